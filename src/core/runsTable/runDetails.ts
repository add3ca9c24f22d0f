/**
 * The runs table's heavier per-run reads (facts: config, metrics tail, trainer state, folder size;
 * and notes) for a batch of runs at once, so the host hands a reader worker one message per batch
 * instead of one per file. Plain data in and out: it crosses the worker boundary as it is.
 */
import { mapLimited } from '../checkpoint/concurrency';
import { readRunFacts, type RunFacts } from './runFacts';
import { readRunNotes, type NotesRead } from './runNotes';

export interface RunDetailsRequest {
  runDir: string;
  /** The newest valid checkpoint folder, whose trainer state the facts read; null when none. */
  newestCheckpoint: string | null;
  facts: boolean;
  notes: boolean;
}

export interface RunDetails {
  facts: RunFacts | null;
  notes: NotesRead | null;
}

/** Runs read in parallel within one batch (each run's reads are parallel themselves). */
const BATCH_CONCURRENCY = 8;

export function readRunDetailsBatch(requests: readonly RunDetailsRequest[]): Promise<RunDetails[]> {
  return mapLimited(requests, BATCH_CONCURRENCY, async (r) => {
    const [facts, notes] = await Promise.all([
      r.facts ? readRunFacts(r.runDir, r.newestCheckpoint) : null,
      r.notes ? readRunNotes(r.runDir) : null,
    ]);
    return { facts, notes };
  });
}
