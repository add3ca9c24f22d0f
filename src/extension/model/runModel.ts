/**
 * The data model behind the Runs tree, the quick picks and the status bar: run folders, their
 * status (from run.json, corrected by live trainer events and by whether the recorded process
 * still lives) and their checkpoints in exactly the engine's order (`checkpoints --json`: newest
 * first by modification time). vscode-free; the tree only renders it.
 */
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import type { CheckpointInfo } from '../../core/checkpoint/types';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import { Emitter } from '../util/emitter';
import { readRunRecord } from '../reading';
import type { RunRecord } from './runRecord';

export type RunStatus = 'training' | 'stopping' | 'stopped' | 'finished' | 'failed' | 'unknown';

export interface CheckpointView extends CheckpointInfo {
  /** Training loss when it was saved (trainer_state.json), if known. */
  loss: number | null;
  /** The trainer state names it as the best checkpoint so far. */
  best: boolean;
}

export interface LiveProgress {
  step: number;
  maxSteps: number;
  loss: number | null;
  etaSec: number | null;
  startedAt: number;
}

export interface RunView {
  dir: string;
  name: string;
  status: RunStatus;
  /** Why the status is what it is when that is not obvious (failure message, dead pid). */
  statusDetail: string | null;
  record: RunRecord | null;
  /** Newest first, exactly as the checkpoint engine lists them. */
  checkpoints: CheckpointView[];
  /** Temporary folders of saves in progress. */
  writing: string[];
  live: LiveProgress | null;
  /** Problems reading the folder itself (not a checkpoint's own problems). */
  problems: string[];
  /**
   * Why the run's own files could not be read (refused as too large, malformed, not a regular file,
   * or over the read time budget), paths relative to the run folder; absent when they were read.
   */
  unreadable?: string;
}

export interface ListRequest {
  /**
   * Validate every checkpoint's files (an explicit refresh). Otherwise rows named in a run's
   * listing index are taken from it: listing many runs after every save stays cheap.
   */
  exact?: boolean;
}

export interface CheckpointSource {
  list(runDir: string, request?: ListRequest): Promise<CheckpointInfo[]>;
  /** Loss and best-checkpoint name from a checkpoint's trainer_state.json; null when unreadable. */
  trainerSummary(checkpointPath: string): Promise<{ loss: number | null; bestCheckpoint: string | null } | null>;
}

export interface RunModelOptions {
  source: CheckpointSource;
  isProcessAlive?: (pid: number) => boolean;
  /** Prefix of folders being written inside checkpoints/ (the engine's TEMP_PREFIX). */
  tempPrefix: string;
}

/** Whether a process of that id exists (one of another user counts). */
export const isProcessAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export class RunModel {
  private readonly runsByDir = new Map<string, RunView>();
  /** Runs this window is training right now (their live state wins over run.json). */
  private readonly active = new Map<string, { stopping: boolean }>();
  private readonly changed = new Emitter<void>();
  private readonly isAlive: (pid: number) => boolean;
  readonly onDidChange = this.changed.event;

  constructor(private readonly options: RunModelOptions) {
    this.isAlive = options.isProcessAlive ?? isProcessAlive;
  }

  runs(): RunView[] {
    return [...this.runsByDir.values()].sort((a, b) => a.dir.localeCompare(b.dir));
  }

  get(dir: string): RunView | undefined {
    return this.runsByDir.get(path.resolve(dir));
  }

  /** Replace the set of discovered run folders (active runs are kept) and re-read them all. */
  async setRunDirs(dirs: readonly string[], request: ListRequest = {}): Promise<void> {
    const wanted = new Set(dirs.map((d) => path.resolve(d)));
    for (const dir of this.active.keys()) wanted.add(dir);
    for (const dir of [...this.runsByDir.keys()]) if (!wanted.has(dir)) this.runsByDir.delete(dir);
    await Promise.all([...wanted].map((d) => this.read(d, request)));
    this.changed.fire();
  }

  /** Re-read one run (or all) from disk; exact (every checkpoint's files validated) unless told otherwise. */
  async refresh(dir?: string, request: ListRequest = { exact: true }): Promise<void> {
    const dirs = dir ? [path.resolve(dir)] : [...this.runsByDir.keys()];
    await Promise.all(dirs.map((d) => this.read(d, request)));
    this.changed.fire();
  }

  /** This window started (or is about to start) a trainer writing into `dir`. */
  markActive(dir: string): void {
    const d = path.resolve(dir);
    this.active.set(d, { stopping: false });
    const run = this.runsByDir.get(d) ?? emptyRun(d);
    this.runsByDir.set(d, { ...run, status: 'training', statusDetail: null });
    this.changed.fire();
  }

  markStopping(dir: string): void {
    const state = this.active.get(path.resolve(dir));
    if (state) state.stopping = true;
    const run = this.get(dir);
    if (run && run.status === 'training') this.update(run.dir, { status: 'stopping' });
  }

  /**
   * This window's trainer exited. `ended` is its final status (the truth even when a crash or a
   * kill left run.json saying "training"); null when it never started, so run.json stands.
   */
  async markEnded(dir: string, ended: { status: 'finished' | 'stopped' | 'failed'; detail: string | null } | null): Promise<void> {
    const d = path.resolve(dir);
    this.active.delete(d);
    await this.read(d);
    const run = this.runsByDir.get(d);
    if (run && ended) this.runsByDir.set(d, { ...run, status: ended.status, statusDetail: ended.detail ?? run.statusDetail });
    this.changed.fire();
  }

  isActive(dir: string): boolean {
    return this.active.has(path.resolve(dir));
  }

  /** Live trainer events: progress now, checkpoints re-read when one is committed. */
  applyEvent(dir: string, event: TrainerEvent): void {
    const d = path.resolve(dir);
    const run = this.runsByDir.get(d) ?? emptyRun(d);
    switch (event.type) {
      case 'started':
        this.runsByDir.set(d, { ...run, live: { step: event.startStep, maxSteps: event.maxSteps, loss: null, etaSec: null, startedAt: event.time } });
        break;
      case 'step':
        this.runsByDir.set(d, {
          ...run,
          live: { step: event.step, maxSteps: event.maxSteps, loss: event.loss, etaSec: event.etaSec, startedAt: run.live?.startedAt ?? event.time },
        });
        break;
      case 'checkpoint_saved':
      case 'resumed':
        void this.refresh(d, { exact: false });
        return;
      case 'failed':
        this.runsByDir.set(d, { ...run, statusDetail: event.message });
        break;
      default:
        return;
    }
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }

  private update(dir: string, patch: Partial<RunView>): void {
    const run = this.runsByDir.get(dir);
    if (!run) return;
    this.runsByDir.set(dir, { ...run, ...patch });
    this.changed.fire();
  }

  private async read(dir: string, request: ListRequest = {}): Promise<void> {
    const previous = this.runsByDir.get(dir);
    const problems: string[] = [];
    let unreadable: string | undefined;
    const refused = (what: string | null, err: unknown): void => {
      const message = err instanceof Error ? err.message : String(err);
      problems.push(what ? `${what}: ${message}` : message);
      unreadable ??= message.split(`${dir}${path.sep}`).join('');
    };
    let record: RunRecord | null = null;
    try {
      const read = await readRunRecord(dir);
      record = read.record;
      if (read.problem) refused(null, read.problem);
    } catch (err) {
      refused('Cannot read run.json', err);
    }
    let infos: CheckpointInfo[] = [];
    try {
      infos = await this.options.source.list(dir, request);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') refused('Cannot list checkpoints', err);
    }
    // Rows of the engine carry their trainer summary; other sources' rows are read here (a refused read: no summary).
    const summaries = await Promise.all(
      infos.map((c) => (!c.valid ? null : c.trainer !== undefined ? c.trainer : this.options.source.trainerSummary(c.path).catch(() => null))),
    );
    // The newest valid checkpoint's trainer state knows which one is best so far.
    const bestName = summaries.find((s) => s !== null)?.bestCheckpoint ?? null;
    const checkpoints: CheckpointView[] = infos.map((c, i) => ({ ...c, loss: summaries[i]?.loss ?? null, best: bestName !== null && c.name === bestName }));
    const writing = await this.tempFolders(dir);
    const { status, detail } = this.statusOf(dir, record);
    this.runsByDir.set(dir, {
      dir,
      name: path.basename(dir),
      status,
      statusDetail: detail,
      record,
      checkpoints,
      writing,
      live: this.active.has(dir) ? (previous?.live ?? null) : null,
      problems,
      ...(unreadable !== undefined ? { unreadable } : {}),
    });
  }

  private statusOf(dir: string, record: RunRecord | null): { status: RunStatus; detail: string | null } {
    const mine = this.active.get(dir);
    if (mine) return { status: mine.stopping ? 'stopping' : 'training', detail: null };
    if (!record || !record.status) return { status: 'unknown', detail: record ? null : 'no run.json' };
    if (record.status === 'training') {
      if (record.pid !== null && !this.isAlive(record.pid)) {
        return { status: 'failed', detail: `run.json says training, but its trainer (pid ${record.pid}) is no longer running` };
      }
      return { status: 'training', detail: record.pid !== null ? `trained by pid ${record.pid} outside this window` : null };
    }
    return { status: record.status, detail: record.status === 'failed' ? record.error : null };
  }

  private async tempFolders(dir: string): Promise<string[]> {
    const folders = async (parent: string, isTemp: (name: string) => boolean): Promise<string[]> => {
      try {
        const entries = await readdir(parent, { withFileTypes: true });
        return entries.filter((e) => e.isDirectory() && isTemp(e.name)).map((e) => e.name);
      } catch {
        return [];
      }
    };
    // Native saves in checkpoints/<prefix>..., Hugging Face-style saves (examples/distributed) in tmp-checkpoint-<step>/.
    const [native, hf] = await Promise.all([
      folders(path.join(dir, 'checkpoints'), (name) => name.startsWith(this.options.tempPrefix)),
      folders(dir, (name) => /^tmp-checkpoint-\d+$/.test(name)),
    ]);
    return [...native, ...hf];
  }
}

function emptyRun(dir: string): RunView {
  return { dir, name: path.basename(dir), status: 'unknown', statusDetail: null, record: null, checkpoints: [], writing: [], live: null, problems: [] };
}

/** The newest valid checkpoint: what "Resume (latest)" continues from. */
export function latestValidCheckpoint(run: RunView): CheckpointView | undefined {
  return run.checkpoints.find((c) => c.valid);
}
