/**
 * Follows the files of an external trainer writing Hugging Face checkpoints and turns them into the
 * trainer events the built-in trainer sends over IPC, so the run model, the status bar and the loss
 * curves treat both alike: every new (or rewritten) valid `checkpoint-<step>` yields `step` events
 * for the log_history entries not reported yet, then `checkpoint_saved` (with the folders that
 * retention removed meanwhile).
 *
 * It has no watcher of its own: the run store's watcher calls filesChanged() (debounced here). An
 * output folder the store's watcher cannot see (outside the workspace folders: VS Code watches those
 * alone) is polled, every `pollMs`. A watched one is still looked at when the watcher has been quiet
 * for `quietPollMs`: watchers miss events (the inotify watch limit, a folder deleted and made again
 * under a recursive watch), and a run whose progress never shows is worse than a listing every few
 * seconds. Reads go through the store's RunReader. vscode-free.
 */
import { join } from 'node:path';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import { fileRunReader, type RunReader } from '../store/runReader';

export interface HfRunFollowerOptions {
  outputDir: string;
  /** Checkpoint folders present before the launch (name → mtimeMs): not reported as new. */
  existing: ReadonlyMap<string, number>;
  /** Log entries up to this step were already reported (the resumed step; -1 for a fresh run). */
  reportedStep: number;
  /** Progress total when trainer_state.json does not say (config max_steps, --max_steps). */
  maxSteps: number | null;
  emit(event: TrainerEvent): void;
  /** Poll period for a folder no watcher sees; null when the store's watcher reports its changes. */
  pollMs?: number | null;
  /** With the watcher reporting (pollMs null): look anyway after this long without a look; null never. */
  quietPollMs?: number | null;
  debounceMs?: number;
  reader?: Pick<RunReader, 'listHfCheckpoints' | 'readTrainerState' | 'folderBytes'>;
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
  private readonly reader: Pick<RunReader, 'listHfCheckpoints' | 'readTrainerState' | 'folderBytes'>;
  private pollTimer: NodeJS.Timeout | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();
  private disposed = false;
  private stopped = false;

  constructor(private readonly options: HfRunFollowerOptions) {
    this.seen = new Map(options.existing);
    this.reportedStep = options.reportedStep;
    this.startStep = Math.max(0, options.reportedStep);
    this.maxSteps = options.maxSteps;
    this.startedAt = this.now();
    this.reader = options.reader ?? fileRunReader;
  }

  get progress(): FollowedProgress {
    return { step: Math.max(0, this.reportedStep), loss: this.lastLoss, maxSteps: this.maxSteps };
  }

  /** Starts polling, when the folder is one no watcher sees. */
  start(): void {
    const pollMs = this.options.pollMs === undefined ? 1000 : this.options.pollMs;
    if (pollMs !== null) this.pollTimer = setInterval(() => this.schedule(0), pollMs);
    else this.armQuietLook();
  }

  /** The store's watcher saw the output folder's checkpoints change: look again, debounced. */
  filesChanged(): void {
    if (!this.stopped) this.schedule(this.options.debounceMs ?? 200);
  }

  /** Looks at the folder now; concurrent calls run one after the other. Resolves when done. */
  poll(): Promise<void> {
    this.polling = this.polling.then(() => this.scan()).catch(() => undefined);
    return this.polling;
  }

  /** Stops following changes; poll() still works (for the final look after the trainer exits). */
  stopWatching(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearTimeout(this.debounceTimer);
    clearTimeout(this.quietTimer);
  }

  dispose(): void {
    this.disposed = true;
    this.stopWatching();
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** With a watcher: the next look unless one happens first (every look re-arms it). */
  private armQuietLook(): void {
    const quietMs = this.options.quietPollMs === undefined ? 5000 : this.options.quietPollMs;
    if (this.options.pollMs !== null || quietMs === null || this.stopped) return;
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.schedule(0), quietMs);
  }

  private schedule(delayMs: number): void {
    if (this.disposed) return;
    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.poll(), delayMs);
  }

  private async scan(): Promise<void> {
    this.armQuietLook();
    const rows = await this.reader.listHfCheckpoints(this.options.outputDir, { readTorchFiles: false });
    const present = new Set(rows.map((r) => r.name));
    const deleted = [...this.seen.keys()].filter((name) => !present.has(name));
    for (const name of deleted) this.seen.delete(name);
    const fresh = rows
      .filter((r) => r.valid && this.seen.get(r.name) !== r.mtimeMs)
      .sort((a, b) => (a.step ?? 0) - (b.step ?? 0));
    for (const row of fresh) {
      if (this.disposed) return;
      this.seen.set(row.name, row.mtimeMs);
      await this.reportLog(join(row.path, 'trainer_state.json'));
      this.options.emit({
        type: 'checkpoint_saved',
        step: row.step ?? 0,
        path: row.path,
        name: row.name,
        bytes: await this.reader.folderBytes(row.path),
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
      state = await this.reader.readTrainerState(trainerStatePath);
    } catch {
      return; // validity was checked a moment ago; a rewrite in between is reported next time
    }
    if (state.max_steps && state.max_steps > 0) this.maxSteps = state.max_steps;
    const entries = state.log_history
      .filter((e) => typeof e.loss === 'number' && e.step > this.reportedStep)
      .sort((a, b) => a.step - b.step);
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
