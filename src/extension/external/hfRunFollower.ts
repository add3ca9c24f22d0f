/**
 * Follows the files of an external trainer writing Hugging Face checkpoints and turns them into the
 * trainer events the built-in trainer sends over IPC, so the run model, the status bar and the loss
 * curves treat both alike: every new (or rewritten) valid `checkpoint-<step>` yields `step` events
 * for the log_history entries not reported yet, then `checkpoint_saved` (with the folders that
 * retention removed meanwhile). It watches the output folder (fs.watch, debounced) and polls as a
 * fallback (the folder may not exist yet; some file systems send no events). vscode-free.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listHfCheckpoints, readTrainerState } from '../reading';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';

export interface HfRunFollowerOptions {
  outputDir: string;
  /** Checkpoint folders present before the launch (name → mtimeMs): not reported as new. */
  existing: ReadonlyMap<string, number>;
  /** Log entries up to this step were already reported (the resumed step; -1 for a fresh run). */
  reportedStep: number;
  /** Progress total when trainer_state.json does not say (config max_steps, --max_steps). */
  maxSteps: number | null;
  emit(event: TrainerEvent): void;
  pollMs?: number;
  debounceMs?: number;
  now?: () => number;
}

export interface FollowedProgress {
  step: number;
  loss: number | null;
  maxSteps: number | null;
}

export class HfRunFollower {
  private readonly seen: Map<string, number>;
  private reportedStep: number;
  private maxSteps: number | null;
  private lastLoss: number | null = null;
  private readonly startedAt: number;
  private readonly startStep: number;
  private watcher: FSWatcher | null = null;
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly options: HfRunFollowerOptions) {
    this.seen = new Map(options.existing);
    this.reportedStep = options.reportedStep;
    this.startStep = Math.max(0, options.reportedStep);
    this.maxSteps = options.maxSteps;
    this.startedAt = this.now();
  }

  get progress(): FollowedProgress {
    return { step: Math.max(0, this.reportedStep), loss: this.lastLoss, maxSteps: this.maxSteps };
  }

  /** Starts watching and polling. */
  start(): void {
    this.pollTimer = setInterval(() => {
      this.tryWatch();
      this.schedule(0);
    }, this.options.pollMs ?? 1000);
    this.tryWatch();
  }

  /** Looks at the folder now; concurrent calls run one after the other. Resolves when done. */
  poll(): Promise<void> {
    this.polling = this.polling.then(() => this.scan()).catch(() => undefined);
    return this.polling;
  }

  /** Stops watching and polling; poll() still works (for the final look after the trainer exits). */
  stopWatching(): void {
    clearInterval(this.pollTimer);
    clearTimeout(this.debounceTimer);
    this.watcher?.close();
    this.watcher = null;
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.debounceTimer);
    this.watcher?.close();
    this.watcher = null;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private tryWatch(): void {
    if (this.watcher || this.disposed || this.pollTimer === undefined) return;
    try {
      this.watcher = watch(this.options.outputDir, () => this.schedule(this.options.debounceMs ?? 200));
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
      });
    } catch {
      this.watcher = null; // not there yet: the poll retries
    }
  }

  private schedule(delayMs: number): void {
    if (this.disposed) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.poll(), delayMs);
  }

  private async scan(): Promise<void> {
    const rows = await listHfCheckpoints(this.options.outputDir, { readTorchFiles: false });
    const present = new Set(rows.map((r) => r.name));
    const deleted = [...this.seen.keys()].filter((name) => !present.has(name));
    for (const name of deleted) this.seen.delete(name);
    const fresh = rows.filter((r) => r.valid && this.seen.get(r.name) !== r.mtimeMs).sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
    for (const row of fresh) {
      if (this.disposed) return;
      this.seen.set(row.name, row.mtimeMs);
      await this.reportLog(join(row.path, 'trainer_state.json'));
      this.options.emit({
        type: 'checkpoint_saved',
        step: row.step ?? 0,
        path: row.path,
        name: row.name,
        bytes: await folderBytes(row.path),
        blockingMs: 0,
        durationMs: 0,
        deleted: deleted.splice(0),
      });
    }
  }

  /** `step` events for the log entries after the last reported step. */
  private async reportLog(trainerStatePath: string): Promise<void> {
    let state;
    try {
      state = await readTrainerState(trainerStatePath);
    } catch {
      return; // validity was checked a moment ago; a rewrite in between is reported next time
    }
    if (state.max_steps && state.max_steps > 0) this.maxSteps = state.max_steps;
    const entries = state.log_history.filter((e) => typeof e.loss === 'number' && e.step > this.reportedStep).sort((a, b) => a.step - b.step);
    // The entries of a checkpoint arrive together, long after most of them were logged: the speed is
    // the newest entry's steps over the time since the launch, for all of them (the first entry's own
    // count over that time would make a resume look many times slower than it is).
    const now = this.now();
    const elapsedSec = Math.max(1e-3, (now - this.startedAt) / 1000);
    const newestStep = entries[entries.length - 1]?.step ?? this.startStep;
    const stepsPerSec = Math.max(0, newestStep - this.startStep) / elapsedSec;
    for (const entry of entries) {
      const maxSteps = Math.max(1, this.maxSteps ?? entry.step);
      this.reportedStep = entry.step;
      this.lastLoss = entry.loss as number;
      this.options.emit({
        type: 'step',
        step: entry.step,
        maxSteps,
        epoch: Math.max(0, Math.floor(entry.epoch ?? 0)),
        loss: entry.loss as number,
        lr: entry.learning_rate ?? 0,
        examplesPerSec: 0,
        stepsPerSec,
        etaSec: stepsPerSec > 0 && maxSteps > entry.step ? (maxSteps - entry.step) / stepsPerSec : null,
        time: now,
      });
    }
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    total += await stat(join(dir, name)).then((s) => (s.isFile() ? s.size : 0), () => 0);
  }
  return total;
}
