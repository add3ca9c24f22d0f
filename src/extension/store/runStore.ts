/**
 * The run store: the one source of truth for the runs of a workspace (one store per window).
 *
 * PUBLIC API (for the Runs tree, the status bar, the loss-curves panels, the runs table):
 *   runs(): RunView[]                   snapshot of every run, sorted by folder; views are immutable
 *                                        (a change replaces a run's view, never mutates it)
 *   get(dir): RunView | undefined       one run's current view
 *   onDidChangeRun({ dir, run })        a run's view was replaced; run is undefined when it left the store
 *   onDidChange()                       something changed (fired once per batch: for whole-tree redraws)
 *   onDidChangeFiles({ dir, kind })     the watcher saw a file of this run change ('checkpoints' |
 *                                        'record' | 'metrics' | 'tensorboard'); for followers of live
 *                                        files (the loss curves' metrics.jsonl and event-file tails,
 *                                        the Hugging Face follower)
 *   refresh(dir?, { exact })            re-read one run (or all) now; resolves once it is shown
 *   addRunDirs(dirs) / recheckRunDirs(dirs)   what a look outside the watcher found new / no longer found
 *
 * What feeds it: trainer events of this window (markActive / applyEvent / markStopping / markEnded,
 * from TrainingService), the one file watcher (touch(), from WorkspaceRuns) and discovery
 * (setRunDirs()). It owns each run's record, status, checkpoint listing and best checkpoint.
 *
 * Reads: all file reads go through the injected RunReader (readRunView.ts; the status from run.json in runStatus.ts). They are coalesced per run (one in
 * flight; the requests that come meanwhile share one read after it) and carry a generation: a read
 * is applied only if no newer read of that run was applied and the run was not dropped or reset
 * since it started, so a stale read never wins. A watcher event re-reads only the run it touches,
 * after a short debounce (a save writes several files); runs this window is training ignore the
 * watcher, since their trainer's events already say when a save is committed. vscode-free.
 */
import * as path from 'node:path';
import { isProcessAlive } from '../../core/checkpoint/lock';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import type { EndedRunStatus } from '../../core/run/index';
import { EVENT_FILE_DEPTH } from '../../core/tensorboard/layout';
import { Emitter } from '../util/emitter';
import { readRunView } from './readRunView';
import type { ListRequest, RunReader } from './runReader';
import { statusOf } from './runStatus';
import { emptyRun, type ClusterJobView, type RunView } from './runView';

import type { RunFileKind } from '../model/discovery';

export type { RunFileKind };

export interface RunChange {
  dir: string;
  /** The new view; undefined when the run left the store. */
  run: RunView | undefined;
}

export interface RunStoreOptions {
  reader: RunReader;
  isProcessAlive?: (pid: number) => boolean;
  /** Debounce of watcher events per run. */
  touchDebounceMs?: number;
}

/** `dir` and up to `levels` folders above it, nearest first. */
function ancestors(dir: string, levels: number): string[] {
  const out = [dir];
  for (let i = 0; i < levels && path.dirname(out[out.length - 1] as string) !== out[out.length - 1]; i++)
    out.push(path.dirname(out[out.length - 1] as string));
  return out;
}

const TOUCH_DEBOUNCE_MS = 300;

/** A run's read bookkeeping; replaced (so in-flight reads of the old one are dropped) when the run leaves or is reset. */
interface ReadSlot {
  /** Generation of the last read started, and of the last one applied. */
  started: number;
  applied: number;
  inFlight: Promise<void> | null;
  /** The read that runs after the one in flight, shared by every request made meanwhile. */
  next: Promise<void> | null;
  exactWanted: boolean;
  touchTimer: ReturnType<typeof setTimeout> | null;
}

export class RunStore {
  private readonly runsByDir = new Map<string, RunView>();
  private readonly slots = new Map<string, ReadSlot>();
  /** Runs this window is training right now (their live state wins over run.json). */
  private readonly active = new Map<string, { stopping: boolean }>();
  /** How runs of this window that ended, ended (the truth even when a kill left run.json saying "training"). */
  private readonly endings = new Map<string, { status: EndedRunStatus; detail: string | null }>();
  private readonly changed = new Emitter<void>();
  private readonly runChanged = new Emitter<RunChange>();
  private readonly filesChanged = new Emitter<{ dir: string; kind: RunFileKind }>();
  private readonly isAlive: (pid: number) => boolean;
  private batchDepth = 0;
  private batchChanged = false;
  readonly onDidChange = this.changed.event;
  readonly onDidChangeRun = this.runChanged.event;
  readonly onDidChangeFiles = this.filesChanged.event;

  constructor(private readonly options: RunStoreOptions) {
    this.isAlive = options.isProcessAlive ?? isProcessAlive;
  }

  runs(): RunView[] {
    return [...this.runsByDir.values()].sort((a, b) => a.dir.localeCompare(b.dir));
  }

  get(dir: string): RunView | undefined {
    return this.runsByDir.get(path.resolve(dir));
  }

  /** Discovery (start-up, settings, workspace folders, Refresh): the run folders of the workspace (this window's active runs are kept), every one re-read. */
  async setRunDirs(dirs: readonly string[], request: ListRequest = {}): Promise<void> {
    const wanted = new Set(dirs.map((d) => path.resolve(d)));
    for (const dir of this.active.keys()) wanted.add(dir);
    await this.batch(async () => {
      for (const dir of [...this.runsByDir.keys()]) if (!wanted.has(dir)) this.drop(dir);
      await Promise.all([...wanted].map((d) => this.read(d, request)));
    });
  }

  /**
   * Runs a look at the workspace outside the watcher found (MissedRunsPoll): read, and kept unless
   * nothing of a run is there by then. Runs already in the store are left to the watcher and followers.
   */
  async addRunDirs(dirs: readonly string[]): Promise<void> {
    const added = dirs.map((d) => path.resolve(d)).filter((d) => !this.runsByDir.has(d));
    await this.batch(() => Promise.all(added.map((d) => this.readOrDrop(d))));
  }

  /** Runs that look no longer found: each read again, and dropped if it holds nothing of a run any more. */
  async recheckRunDirs(dirs: readonly string[]): Promise<void> {
    const known = dirs.map((d) => path.resolve(d)).filter((d) => this.runsByDir.has(d) && !this.active.has(d));
    await this.batch(() => Promise.all(known.map((d) => this.readOrDrop(d))));
  }

  /** Re-read one run (or all) from disk; exact (every checkpoint's files validated) unless told otherwise. */
  async refresh(dir?: string, request: ListRequest = { exact: true }): Promise<void> {
    const dirs = dir ? [path.resolve(dir)] : [...this.runsByDir.keys()];
    await this.batch(() => Promise.all(dirs.map((d) => this.read(d, request))));
  }

  /**
   * The watcher saw a file of this run change. Re-reads that run only (debounced), unless this
   * window trains it; a run not known yet is added when the file is one of its markers.
   */
  touch(dir: string, kind: RunFileKind): void {
    const d = path.resolve(dir);
    if (kind === 'tensorboard') {
      // `dir` holds the event file: its run is that folder or one up to EVENT_FILE_DEPTH above.
      const owner = ancestors(d, EVENT_FILE_DEPTH).find((a) => this.runsByDir.has(a));
      if (owner) this.filesChanged.fire({ dir: owner, kind });
      return;
    }
    const known = this.runsByDir.has(d);
    if (known || kind !== 'metrics') this.filesChanged.fire({ dir: d, kind });
    if (kind === 'metrics' || this.active.has(d)) return;
    // Someone else rewrote run.json: it speaks again for a run this window trained before.
    if (kind === 'record') this.endings.delete(d);
    const slot = this.slot(d);
    if (slot.touchTimer !== null) clearTimeout(slot.touchTimer);
    slot.touchTimer = setTimeout(() => {
      slot.touchTimer = null;
      void this.readOrDrop(d);
    }, this.options.touchDebounceMs ?? TOUCH_DEBOUNCE_MS);
  }

  /** The run's folder was emptied for a fresh start: reads begun before are dropped, and it is read again. */
  async reset(dir: string): Promise<void> {
    const d = path.resolve(dir);
    this.clearSlot(d);
    await this.read(d, {});
  }

  /** This window started (or is about to start) a trainer writing into `dir`. */
  markActive(dir: string): void {
    const d = path.resolve(dir);
    this.active.set(d, { stopping: false });
    this.endings.delete(d);
    const run = this.runsByDir.get(d) ?? emptyRun(d);
    this.put({ ...run, status: 'training', statusDetail: null });
  }

  markStopping(dir: string): void {
    const d = path.resolve(dir);
    const state = this.active.get(d);
    if (state) state.stopping = true;
    const run = this.runsByDir.get(d);
    if (run && run.status === 'training') this.put({ ...run, status: 'stopping' });
  }

  /**
   * This window's trainer exited. `ended` is its final status; null when it never started, so
   * run.json stands.
   */
  async markEnded(dir: string, ended: { status: EndedRunStatus; detail: string | null } | null): Promise<void> {
    const d = path.resolve(dir);
    this.active.delete(d);
    if (ended) this.endings.set(d, ended);
    await this.read(d, {});
  }

  isActive(dir: string): boolean {
    return this.active.has(path.resolve(dir));
  }

  /** The state of the Slurm job training `dir` changed (only while this window trains it). */
  setClusterJob(dir: string, job: ClusterJobView): void {
    const d = path.resolve(dir);
    const run = this.runsByDir.get(d);
    if (run && this.active.has(d)) this.put({ ...run, clusterJob: job });
  }

  /** Live trainer events: progress now, checkpoints re-read when one is committed. */
  applyEvent(dir: string, event: TrainerEvent): void {
    const d = path.resolve(dir);
    const run = this.runsByDir.get(d) ?? emptyRun(d);
    switch (event.type) {
      case 'started':
        this.put({
          ...run,
          live: { step: event.startStep, maxSteps: event.maxSteps, loss: null, etaSec: null, startedAt: event.time },
        });
        return;
      case 'step':
        this.put({
          ...run,
          live: {
            step: event.step,
            maxSteps: event.maxSteps,
            loss: event.loss,
            etaSec: event.etaSec,
            startedAt: run.live?.startedAt ?? event.time,
          },
        });
        return;
      case 'checkpoint_saved':
      case 'resumed':
        void this.read(d, {});
        return;
      case 'failed':
        this.put({ ...run, statusDetail: event.message });
        return;
      default:
        return;
    }
  }

  dispose(): void {
    for (const dir of [...this.slots.keys()]) this.clearSlot(dir);
    this.changed.dispose();
    this.runChanged.dispose();
    this.filesChanged.dispose();
  }

  /** Requests a read of `dir`; resolves once a read that began after this call has finished (applied or dropped). */
  private read(dir: string, request: ListRequest): Promise<void> {
    const slot = this.slot(dir);
    if (request.exact) slot.exactWanted = true;
    if (!slot.inFlight) return this.startRead(dir, slot);
    slot.next ??= slot.inFlight.then(() => {
      slot.next = null;
      return this.startRead(dir, slot);
    });
    return slot.next;
  }

  private startRead(dir: string, slot: ReadSlot): Promise<void> {
    const generation = ++slot.started;
    const exact = slot.exactWanted;
    slot.exactWanted = false;
    const reading: Promise<void> = readRunView(this.options.reader, dir, exact ? { exact } : {})
      .then(
        (view) => {
          // Dropped or reset meanwhile, or overtaken: this read is stale.
          if (this.slots.get(dir) !== slot || generation <= slot.applied) return;
          slot.applied = generation;
          // Live progress and the job's state may have changed while the files were read: keep the newest.
          const current = this.runsByDir.get(dir);
          this.put(this.withStatus({ ...view, live: current?.live ?? null, clusterJob: current?.clusterJob ?? null }));
        },
        () => undefined,
      )
      .finally(() => {
        if (slot.inFlight === reading) slot.inFlight = null;
      });
    slot.inFlight = reading;
    return reading;
  }

  private withStatus(view: RunView): RunView {
    const mine = this.active.get(view.dir);
    if (mine)
      return {
        ...view,
        status: mine.stopping ? 'stopping' : 'training',
        statusDetail: this.runsByDir.get(view.dir)?.statusDetail ?? null,
      };
    const ended = this.endings.get(view.dir);
    if (ended)
      return {
        ...view,
        live: null,
        clusterJob: null,
        status: ended.status,
        statusDetail: ended.detail ?? statusOf(view.record, this.isAlive).statusDetail,
      };
    return { ...view, live: null, clusterJob: null, ...statusOf(view.record, this.isAlive) };
  }

  private put(run: RunView): void {
    this.runsByDir.set(run.dir, run);
    this.runChanged.fire({ dir: run.dir, run });
    this.fireChanged();
  }

  private drop(dir: string): void {
    this.clearSlot(dir);
    this.endings.delete(dir);
    if (!this.runsByDir.delete(dir)) return;
    this.runChanged.fire({ dir, run: undefined });
    this.fireChanged();
  }

  /** Reads `dir` and drops it if nothing of a run is there (the watcher's and the missed-runs look's re-reads). */
  private readOrDrop(dir: string): Promise<void> {
    return this.read(dir, {}).then(() => this.dropIfGone(dir));
  }

  /** A run whose folder holds neither run.json nor checkpoints any more is no longer a run. */
  private dropIfGone(dir: string): void {
    const run = this.runsByDir.get(dir);
    if (
      run &&
      !this.active.has(dir) &&
      run.record === null &&
      run.checkpoints.length === 0 &&
      run.writing.length === 0 &&
      run.problems.length === 0
    )
      this.drop(dir);
  }

  private slot(dir: string): ReadSlot {
    let slot = this.slots.get(dir);
    if (!slot) {
      slot = { started: 0, applied: 0, inFlight: null, next: null, exactWanted: false, touchTimer: null };
      this.slots.set(dir, slot);
    }
    return slot;
  }

  private clearSlot(dir: string): void {
    const slot = this.slots.get(dir);
    if (slot?.touchTimer) clearTimeout(slot.touchTimer);
    this.slots.delete(dir);
  }

  private fireChanged(): void {
    if (this.batchDepth > 0) this.batchChanged = true;
    else this.changed.fire();
  }

  private async batch<T>(work: () => Promise<T>): Promise<T> {
    this.batchDepth++;
    try {
      return await work();
    } finally {
      if (--this.batchDepth === 0 && this.batchChanged) {
        this.batchChanged = false;
        this.changed.fire();
      }
    }
  }
}
