/**
 * The runs table's one source of runs: the run store (fed by WorkspaceRuns' discovery, its watcher
 * and the trainers' live events), plus the per-run facts and notes read from each folder. The table knows
 * runs only through `rows()` and `onDidChange`, so moving to another run store means editing only
 * this file. `rows()` answers at once from the store and the details already read (rows still
 * waiting for theirs say so); the details are then read in batches through the reader workers and
 * reported as changed rows. Facts are cached per run until its record or checkpoints change, notes
 * until the table saves them.
 */
import { basename } from 'node:path';
import { mapLimited } from '../../core/checkpoint/concurrency';
import type { RunRow } from '../../core/protocol/runsTable';
import type { RunDetailsRequest } from '../../core/runsTable/runDetails';
import type { RunFacts } from '../../core/runsTable/runFacts';
import { EMPTY_NOTES, type NotesRead } from '../../core/runsTable/runNotes';
import { readRunDetailsBatch } from '../reading';
import type { RunStore } from '../store/runStore';
import { bestCheckpoint, latestValidCheckpoint, type RunView } from '../store/runView';
import { durationOf, lastActivity, stepsOf } from '../tree/rowText';
import { Emitter } from '../util/emitter';

/** Runs per reader-worker message, and such batches in flight at once (the pool's two workers). */
const DETAILS_BATCH = 25;
const BATCHES_IN_FLIGHT = 2;
const CHANGE_DEBOUNCE_MS = 250;

interface CachedFacts {
  signature: string;
  /** Null when the read was refused (problem says why); retried when the run changes. */
  facts: RunFacts | null;
  problem: string | null;
}

export interface RowsChange {
  changed: RunRow[];
  removed: string[];
}

export class RunsTableSource {
  private readonly facts = new Map<string, CachedFacts>();
  private readonly notes = new Map<string, NotesRead>();
  private readonly last = new Map<string, string>();
  private readonly changed = new Emitter<RowsChange>();
  private readonly subscription: { dispose(): void };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listeners = 0;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private disposed = false;
  /** Rows that changed since the last `rows()`, removed run folders among them (debounced). */
  readonly onDidChange = (listener: (change: RowsChange) => void): { dispose(): void } => {
    this.listeners++;
    const sub = this.changed.event(listener);
    return { dispose: () => (this.listeners--, sub.dispose()) };
  };

  constructor(private readonly model: RunStore) {
    this.subscription = model.onDidChange(() => {
      if (this.listeners === 0) return;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.emitChanges(), CHANGE_DEBOUNCE_MS);
    });
  }

  /**
   * Every run, newest first, from what is known now; the missing details follow through onDidChange,
   * read from the next turn on, or, with `deferDetails`, once the caller calls readMissingDetails
   * (a panel does when its rows are painted: the reads then do not compete with the first paint).
   */
  async rows(options: { deferDetails?: boolean } = {}): Promise<RunRow[]> {
    const rows = this.sortedRuns().map((run) => this.rowOf(run));
    this.last.clear();
    for (const row of rows) this.last.set(row.runDir, JSON.stringify(row));
    if (!options.deferDetails && rows.some((r) => r.detailsPending)) setImmediate(() => this.readDetails());
    return rows;
  }

  /** Starts reading the details the rows still lack (none: nothing to do). */
  readMissingDetails(): void {
    if (this.sortedRuns().some((run) => this.missing(run) !== null)) this.readDetails();
  }

  /** Resolves when no details are being read (tests and the bench wait on it). */
  async detailsRead(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.reading) await this.reading;
  }

  /** The run's folder, when the source knows it as a run. */
  has(runDir: string): boolean {
    return this.model.get(runDir) !== undefined;
  }

  isTraining(runDir: string): boolean {
    const status = this.model.get(runDir)?.status;
    return status === 'training' || status === 'stopping';
  }

  /** The run's notes file changed (saved from the table): re-read it and tell the listeners. */
  async notesChanged(runDir: string): Promise<void> {
    this.notes.delete(runDir);
    this.readDetails(); // the re-read row reaches the listeners from its batch
    await this.detailsRead();
  }

  /** The run's folder is gone: forget it and re-read the model. */
  async removed(runDir: string): Promise<void> {
    this.facts.delete(runDir);
    this.notes.delete(runDir);
    await this.model.setRunDirs(
      this.model
        .runs()
        .map((r) => r.dir)
        .filter((d) => d !== runDir),
    );
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }

  private sortedRuns(): RunView[] {
    return [...this.model.runs()].sort((a, b) => lastActivity(b) - lastActivity(a) || a.dir.localeCompare(b.dir));
  }

  private async emitChanges(): Promise<void> {
    const before = new Map(this.last);
    const rows = await this.rows();
    const changed = rows.filter((r) => before.get(r.runDir) !== this.last.get(r.runDir));
    const removed = [...before.keys()].filter((d) => !this.last.has(d));
    if (changed.length > 0 || removed.length > 0) this.changed.fire({ changed, removed });
  }

  /** Starts reading the missing details (one pass; a call during a pass asks for another after it). */
  private readDetails(): void {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.readAgain = false;
    this.reading = this.readPass().finally(() => {
      this.reading = null;
      if (this.readAgain && !this.disposed) this.readDetails();
    });
  }

  private async readPass(): Promise<void> {
    const wanted = this.sortedRuns().filter((run) => this.missing(run) !== null);
    const batches: RunView[][] = [];
    for (let i = 0; i < wanted.length; i += DETAILS_BATCH) batches.push(wanted.slice(i, i + DETAILS_BATCH));
    await mapLimited(batches, BATCHES_IN_FLIGHT, (batch) => this.readBatch(batch));
  }

  /** What the run still lacks (null when nothing), with the facts' signature to store them under. */
  private missing(run: RunView): (RunDetailsRequest & { signature: string }) | null {
    const signature = factsSignature(run);
    const facts = this.facts.get(run.dir)?.signature !== signature;
    const notes = !this.notes.has(run.dir);
    if (!facts && !notes) return null;
    return { runDir: run.dir, newestCheckpoint: latestValidCheckpoint(run)?.path ?? null, facts, notes, signature };
  }

  private async readBatch(batch: readonly RunView[]): Promise<void> {
    if (this.disposed) return;
    const requests = batch.flatMap((run) => this.missing(run) ?? []);
    if (requests.length === 0) return;
    let details: Awaited<ReturnType<typeof readRunDetailsBatch>> | null = null;
    let refused: string | null = null;
    try {
      details = await readRunDetailsBatch(requests.map(({ signature: _, ...request }) => request));
    } catch (err) {
      refused = `details not read: ${(err as Error).message}`;
    }
    requests.forEach((request, i) => {
      const read = details?.[i];
      if (request.facts)
        this.facts.set(request.runDir, {
          signature: request.signature,
          facts: read?.facts ?? null,
          problem: read?.facts ? null : refused,
        });
      if (request.notes)
        this.notes.set(request.runDir, read?.notes ?? { notes: EMPTY_NOTES, problem: refused ?? 'notes not read' });
    });
    if (this.disposed) return;
    const changed = requests.flatMap((r) => {
      const run = this.model.get(r.runDir);
      return run ? [this.rowOf(run)] : [];
    });
    for (const row of changed) this.last.set(row.runDir, JSON.stringify(row));
    if (this.listeners > 0 && changed.length > 0) this.changed.fire({ changed, removed: [] });
  }

  private rowOf(run: RunView): RunRow {
    const cached = this.facts.get(run.dir);
    const facts = cached?.facts ?? null;
    const notesRead = this.notes.get(run.dir) ?? null;
    const detailsPending = cached?.signature !== factsSignature(run) || notesRead === null;
    const steps = stepsOf(run);
    const hf = run.checkpoints.some((c) => 'format' in c);
    const best = bestCheckpoint(run);
    return {
      runDir: run.dir,
      name: notesRead?.notes.displayName ?? run.name,
      folder: basename(run.dir),
      kind: facts?.trainer === 'external' ? 'external' : hf ? 'huggingface' : 'native',
      status: run.status,
      startedAt: run.live?.startedAt ?? run.record?.startedAt ?? null,
      durationSec: durationOf(run, Date.now()),
      steps: steps?.step ?? null,
      maxSteps: steps?.maxSteps ?? null,
      backend: run.record?.backend ?? null,
      finalLoss: run.live?.loss ?? facts?.finalLoss ?? null,
      bestMetric: facts ? facts.bestMetric : best ? { name: null, value: null, checkpoint: best.name } : null,
      checkpointsKept: run.checkpoints.filter((c) => c.valid).length,
      diskBytes: facts?.diskBytes ?? null,
      diskBytesPartial: facts?.diskBytesPartial ?? false,
      notes: notesRead?.notes.notes ?? '',
      tags: notesRead?.notes.tags ?? [],
      config: facts?.config ?? {},
      problems: [
        ...run.problems,
        ...(facts?.problems ?? []),
        ...(cached?.problem ? [cached.problem] : []),
        ...(notesRead?.problem ? [notesRead.problem] : []),
      ],
      ...(detailsPending ? { detailsPending } : {}),
    };
  }
}

/** The facts are read again when the run's status, recorded step or checkpoints change. */
function factsSignature(run: RunView): string {
  return [
    run.status,
    run.record?.step,
    run.record?.endedAt,
    ...run.checkpoints.map((c) => `${c.name}@${c.mtimeMs}`),
  ].join('|');
}
