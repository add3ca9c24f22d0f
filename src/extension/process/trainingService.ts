/**
 * Runs trainers for the window: several at once, never two in one output folder, each one tied to
 * the run model (live status) and stopped or killed when the window goes away. vscode-free; the
 * notifications, status bar and output channels subscribe to `onDidStart`.
 */
import * as path from 'node:path';
import type { TrainerEventOf } from '../../core/protocol/trainerEvents';
import type { RunStore } from '../store/runStore';
import { Emitter } from '../util/emitter';
import type { TrainRequest } from './launch';
import { TrainerProcess, type TrainerExit, type TrainerLaunch, type TrainerRun } from './trainerProcess';

export class BusyRunError extends Error {
  constructor(readonly runDir: string) {
    super(`A run is already training in ${runDir} in this window; stop it first (one trainer per output folder).`);
  }
}

/** What Train and Resume return: enough for callers (and tests) to follow the run to its end. */
export interface TrainingHandle {
  readonly id: number;
  readonly request: TrainRequest;
  readonly process: TrainerRun;
  /** Date.now() when the process was forked. */
  readonly launchedAt: number;
  /** Output folder: known before launch when the config could be read, else from `started`. */
  runDir: string | null;
  /** The `started` event; null when the trainer exited without starting (config error, busy folder). */
  readonly started: Promise<TrainerEventOf<'started'> | null>;
  /** The first `step` event; null when none came. */
  readonly firstStep: Promise<TrainerEventOf<'step'> | null>;
  /** The exit, resolved once the run model shows the run's final state. */
  readonly exited: Promise<TrainerExit>;
}

export interface TrainingServiceOptions {
  model: RunStore;
  launchFor(request: TrainRequest): TrainerLaunch;
  /**
   * What this request launches, from one read of its config. Never throws for a bad config: an
   * external trainer's problem becomes a run that fails at once, saying why, and a built-in
   * trainer's is reported by the trainer itself.
   */
  prepare(request: TrainRequest): Promise<PreparedLaunch>;
  stopTimeoutMs(): number;
  /** Kill a built-in trainer that sends no event for this long (0 = never); see TrainerProcessOptions. */
  hangTimeoutMs?(): number;
}

/** A launch, prepared before any process starts. */
export interface PreparedLaunch {
  /** The output folder, or null when it cannot be told before launch (the `started` event says it). */
  runDir: string | null;
  /**
   * Starts a trainer other than the built-in one (an external command, a Slurm job); null for the
   * built-in trainer. A function, so nothing is spawned for a request refused as busy.
   */
  start: (() => TrainerRun) | null;
}

export class TrainingService {
  private nextId = 1;
  private readonly handles = new Set<TrainingHandle>();
  private readonly startEmitter = new Emitter<TrainingHandle>();
  private readonly endEmitter = new Emitter<{ handle: TrainingHandle; exit: TrainerExit }>();
  readonly onDidStart = this.startEmitter.event;
  readonly onDidEnd = this.endEmitter.event;

  constructor(private readonly options: TrainingServiceOptions) {}

  active(): TrainingHandle[] {
    return [...this.handles];
  }

  byRunDir(dir: string): TrainingHandle | undefined {
    const d = path.resolve(dir);
    return this.active().find((h) => h.runDir === d);
  }

  /** Launch a trainer. Throws BusyRunError when this window already trains into that folder. */
  async start(request: TrainRequest): Promise<TrainingHandle> {
    const prepared = await this.options.prepare(request).catch((): PreparedLaunch => ({ runDir: null, start: null }));
    // Knowing the folder before launch refuses a second trainer there at once, with no process started.
    const runDir = prepared.runDir ? path.resolve(prepared.runDir) : null;
    const startExternal = prepared.start;
    if (runDir && this.byRunDir(runDir)) throw new BusyRunError(runDir);

    const proc: TrainerRun = startExternal
      ? startExternal()
      : new TrainerProcess(this.options.launchFor(request), { silenceTimeoutMs: this.options.hangTimeoutMs?.() ?? 0 });
    let resolveStarted!: (e: TrainerEventOf<'started'> | null) => void;
    let resolveFirstStep!: (e: TrainerEventOf<'step'> | null) => void;
    let resolveExited!: (e: TrainerExit) => void;
    const handle: TrainingHandle = {
      id: this.nextId++,
      request,
      process: proc,
      launchedAt: Date.now(),
      runDir,
      started: new Promise((r) => (resolveStarted = r)),
      firstStep: new Promise((r) => (resolveFirstStep = r)),
      exited: new Promise((r) => (resolveExited = r)),
    };
    this.handles.add(handle);
    if (runDir) this.options.model.markActive(runDir);

    let didStart = false;
    proc.onEvent((event) => {
      if (event.type === 'started') {
        didStart = true;
        const dir = path.resolve(event.runDir);
        if (handle.runDir !== dir) {
          // The trainer writes elsewhere than the config suggested (e.g. through a link): follow it.
          if (handle.runDir) void this.options.model.markEnded(handle.runDir, null);
          handle.runDir = dir;
          this.options.model.markActive(dir);
        }
        resolveStarted(event);
      }
      if (event.type === 'step') resolveFirstStep(event);
      if (handle.runDir) this.options.model.applyEvent(handle.runDir, event);
    });
    proc.onJobState?.((job) => handle.runDir && this.options.model.setClusterJob(handle.runDir, job));
    void proc.exited.then(async (exit) => {
      resolveStarted(null);
      resolveFirstStep(null);
      this.handles.delete(handle);
      if (handle.runDir) {
        // A trainer that never started (config error, busy folder) did not touch the run: re-read
        // it as it is on disk. One that started ends with the status of its exit.
        const ended = didStart ? { status: exit.status, detail: exit.failure?.message ?? exit.message } : null;
        await this.options.model.markEnded(handle.runDir, ended).catch(() => undefined);
      }
      resolveExited(exit);
      this.endEmitter.fire({ handle, exit });
    });
    this.startEmitter.fire(handle);
    return handle;
  }

  /** Graceful stop (save, exit), then a forced kill after the configured timeout. */
  stop(handle: TrainingHandle): Promise<TrainerExit> {
    if (handle.runDir) this.options.model.markStopping(handle.runDir);
    void handle.process.stop(handle.process.stopTimeoutMs ?? this.options.stopTimeoutMs());
    return handle.exited;
  }

  stopAll(): Promise<TrainerExit[]> {
    return Promise.all(this.active().map((h) => this.stop(h)));
  }

  /** Window closing: ask every trainer to save, but never wait past `graceMs` before killing; cluster jobs run on. */
  async shutdown(graceMs: number): Promise<void> {
    const all = this.active().filter((h) => !h.process.outlivesWindow);
    await Promise.all(all.map((h) => h.process.stop(Math.min(graceMs, this.options.stopTimeoutMs()))));
  }

  dispose(): void {
    for (const h of this.handles) h.process.dispose();
    this.handles.clear();
    this.startEmitter.dispose();
    this.endEmitter.dispose();
  }
}
