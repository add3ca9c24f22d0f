/**
 * The runs table's one source of runs: the run store (fed by WorkspaceRuns' discovery, its watcher
 * and the trainers' live events), plus the per-run facts and notes read from each folder. The table knows
 * runs only through `rows()` and `onDidChange`, so moving to another run store means editing only
 * this file. Facts are cached per run until its record or checkpoints change, and read with bounded
 * parallelism, off the model's change path (debounced).
 */
import { basename } from 'node:path';
import { mapLimited } from '../../core/checkpoint/concurrency';
import type { RunRow } from '../../core/protocol/runsTable';
import { readRunFacts, type RunFacts } from '../../core/runsTable/runFacts';
import { readRunNotes, type NotesRead } from '../../core/runsTable/runNotes';
import type { RunStore } from '../store/runStore';
import { latestValidCheckpoint, type RunView } from '../store/runView';
import { durationOf, lastActivity, stepsOf } from '../tree/rowText';
import { Emitter } from '../util/emitter';

const READ_CONCURRENCY = 16;
const CHANGE_DEBOUNCE_MS = 250;

export interface RowsChange {
  changed: RunRow[];
  removed: string[];
}

export class RunsTableSource {
  private readonly facts = new Map<string, { signature: string; facts: Promise<RunFacts> }>();
  private readonly notes = new Map<string, Promise<NotesRead>>();
  private readonly last = new Map<string, string>();
  private readonly changed = new Emitter<RowsChange>();
  private readonly subscription: { dispose(): void };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private listeners = 0;
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

  /** Every run, newest first. */
  async rows(): Promise<RunRow[]> {
    const runs = [...this.model.runs()].sort((a, b) => lastActivity(b) - lastActivity(a) || a.dir.localeCompare(b.dir));
    const rows = await mapLimited(runs, READ_CONCURRENCY, (run) => this.rowOf(run));
    this.last.clear();
    for (const row of rows) this.last.set(row.runDir, JSON.stringify(row));
    return rows;
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
    await this.emitChanges();
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
    clearTimeout(this.timer);
    this.subscription.dispose();
    this.changed.dispose();
  }

  private async emitChanges(): Promise<void> {
    const before = new Map(this.last);
    const rows = await this.rows();
    const changed = rows.filter((r) => before.get(r.runDir) !== this.last.get(r.runDir));
    const removed = [...before.keys()].filter((d) => !this.last.has(d));
    if (changed.length > 0 || removed.length > 0) this.changed.fire({ changed, removed });
  }

  private async rowOf(run: RunView): Promise<RunRow> {
    const [facts, notesRead] = await Promise.all([this.factsOf(run), this.notesOf(run.dir)]);
    const steps = stepsOf(run);
    const hf = run.checkpoints.some((c) => 'format' in c);
    return {
      runDir: run.dir,
      name: notesRead.notes.displayName ?? run.name,
      folder: basename(run.dir),
      kind: facts.trainer === 'external' ? 'external' : hf ? 'huggingface' : 'native',
      status: run.status,
      startedAt: run.live?.startedAt ?? run.record?.startedAt ?? null,
      durationSec: durationOf(run, Date.now()),
      steps: steps?.step ?? null,
      maxSteps: steps?.maxSteps ?? null,
      backend: run.record?.backend ?? null,
      finalLoss: run.live?.loss ?? facts.finalLoss,
      bestMetric: facts.bestMetric,
      checkpointsKept: run.checkpoints.filter((c) => c.valid).length,
      diskBytes: facts.diskBytes,
      diskBytesPartial: facts.diskBytesPartial,
      notes: notesRead.notes.notes,
      tags: notesRead.notes.tags,
      config: facts.config,
      problems: [...run.problems, ...facts.problems, ...(notesRead.problem ? [notesRead.problem] : [])],
    };
  }

  /** Cached until the run's status, recorded step or checkpoints change. */
  private factsOf(run: RunView): Promise<RunFacts> {
    const signature = [
      run.status,
      run.record?.step,
      run.record?.endedAt,
      ...run.checkpoints.map((c) => `${c.name}@${c.mtimeMs}`),
    ].join('|');
    const cached = this.facts.get(run.dir);
    if (cached && cached.signature === signature) return cached.facts;
    const facts = readRunFacts(run.dir, latestValidCheckpoint(run)?.path ?? null);
    this.facts.set(run.dir, { signature, facts });
    return facts;
  }

  private notesOf(runDir: string): Promise<NotesRead> {
    let read = this.notes.get(runDir);
    if (!read) {
      read = readRunNotes(runDir);
      this.notes.set(runDir, read);
    }
    return read;
  }
}
