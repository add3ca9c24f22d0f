/**
 * A whole run with its files: lock the output folder, pick the backend, resume if asked, train with
 * periodic background saves, stop cleanly on request, and keep run.json and metrics.jsonl.
 */
import { CheckpointManager } from '../../core/checkpoint';
import type { CheckpointManagerHooks, RunLock } from '../../core/checkpoint';
import { acquireRunLock } from '../../core/checkpoint';
import type { TrainConfig } from '../../core/config/types';
import { PROTOCOL_VERSION, type TrainerEvent } from '../../core/protocol/trainerEvents';
import { type BackendChoice, type BackendRequest, selectBackend } from '../backend/selectBackend';
import type { EventSink } from '../output/sinks';
import { moveAsideEarlierRun } from '../run/earlierRun';
import { type RunRecord, RunFiles } from '../run/runFiles';
import { slurmJobStart } from '../run/slurmEnv';
import { TrainingSession } from './session';
import { RateWindow } from './rateWindow';
import { StopController } from './stopController';

export interface RunOptions {
  config: TrainConfig;
  backend: BackendRequest;
  sink: EventSink;
  stop?: StopController;
  /** Called after every step (tests use it to request a stop at a given step). */
  afterStep?(step: number): void;
  /** Passed to the checkpoint manager (tests inject save failures). */
  checkpointHooks?: Pick<CheckpointManagerHooks, 'fs' | 'onStage'>;
}

export interface RunOutcome {
  status: 'finished' | 'stopped';
  step: number;
  loss: number | null;
  backend: BackendChoice;
  runDir: string;
}

/** Yields to the event loop so signals, IPC messages and save completions are handled between steps. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runTraining(options: RunOptions): Promise<RunOutcome> {
  const { config, sink } = options;
  const stop = options.stop ?? new StopController();
  const warn = (message: string, code?: string): void =>
    sink.emit(code ? { type: 'warning', message, code } : { type: 'warning', message });
  const startedAt = Date.now();
  const lock: RunLock = await acquireRunLock(config.output_dir, { onWarning: (m) => warn(m, 'lock') });
  let files: RunFiles | null = null;
  let record: RunRecord | null = null;
  let session: TrainingSession | null = null;
  let manager: CheckpointManager | null = null;
  try {
    const backend = await selectBackend(options.backend);
    session = TrainingSession.create(config);
    manager = new CheckpointManager(config.output_dir, config, {
      ...options.checkpointHooks,
      onWarning: (m) => warn(m, 'checkpoint'),
    });
    files = new RunFiles(config.output_dir);

    // Resume before announcing the start (startStep depends on it); its events follow `started`.
    let resumedFrom: string | null = null;
    const afterStart: TrainerEvent[] = backend.notes.map((n) => ({
      type: 'warning',
      message: n.message,
      code: n.code,
    }));
    const restoreOptions = {
      restoreOptimizer: config.restore_optimizer_state,
      restoreScheduler: config.restore_scheduler_state,
    };
    // Judged and loaded from the folders themselves (never the listing index), as this resume needs them.
    const resumed = await manager.resume(config.resume_from_checkpoint, { ...restoreOptions, weightsDtype: 'float32' });
    const target = resumed?.target ?? null;
    if (resumed && target) {
      const { content, warnings } = resumed;
      const report = session.restore(content, restoreOptions);
      resumedFrom = target.path;
      afterStart.push({
        type: 'resumed',
        path: target.path,
        step: session.globalStep,
        restoredOptimizer: report.restoredOptimizer,
        restoredScheduler: report.restoredScheduler,
        skipped: target.skipped,
      });
      for (const message of [...warnings, ...report.warnings])
        afterStart.push({ type: 'warning', message, code: 'resume' });
    } else if (config.resume_from_checkpoint === true) {
      afterStart.push({
        type: 'warning',
        message: `resume_from_checkpoint is true but ${manager.checkpointsDir} has no valid checkpoint: starting from step 0`,
        code: 'resume',
      });
    }
    // From step 0: checkpoints of an earlier run here would be overwritten save by save.
    const movedAside = target ? null : await moveAsideEarlierRun(config.output_dir);
    if (movedAside) {
      const n = movedAside.checkpoints.length;
      afterStart.push({
        type: 'warning',
        message: `${config.output_dir} held ${n} checkpoint${n === 1 ? '' : 's'} of an earlier run (newest ${movedAside.checkpoints[0]}); this run starts from step 0, so they and their metrics.jsonl were moved to ${movedAside.dest} (nothing is deleted). To continue that run instead, move them back and set resume_from_checkpoint: true; to keep runs apart, give each its own output_dir.`,
        code: 'fresh_start',
      });
    }

    const startStep = session.globalStep;
    record = {
      name: config.name,
      status: 'training',
      pid: process.pid,
      config_path: config.config_path,
      config,
      backend,
      start_step: startStep,
      max_steps: config.max_steps,
      step: startStep,
      started_at: new Date(startedAt).toISOString(),
      ended_at: null,
      resumed_from: resumedFrom,
      error: null,
      model: session.model.describe(),
      data: session.dataset.describe(),
      slurm: slurmJobStart(),
    };
    await files.writeRecord(record);
    if (target) files.appendResumeMarker({ step: startStep, from: target.name, time: Date.now() });
    sink.emit({
      type: 'started',
      protocol: PROTOCOL_VERSION,
      pid: process.pid,
      runDir: config.output_dir,
      configPath: config.config_path,
      backend,
      startStep,
      maxSteps: config.max_steps,
      time: Date.now(),
    });
    for (const event of afterStart) sink.emit(event);
    if (startStep >= config.max_steps)
      warn(
        `the run is already at step ${startStep} of max_steps ${config.max_steps}: nothing to train (raise max_steps to continue)`,
        'max_steps',
      );

    const saver = new Saver(session, manager, config, backend, sink);
    const rate = new RateWindow(performance.now());
    const evaluating = config.eval_strategy === 'steps' && session.evalDataset !== null;
    const evaluate = async (): Promise<void> => {
      const { metrics, examples, durationMs } = await session!.evaluate();
      const step = session!.globalStep;
      sink.emit({ type: 'evaluated', step, epoch: session!.epoch, metrics, examples, durationMs, time: Date.now() });
      files!.appendMetrics({
        step,
        epoch: session!.epoch,
        ...metrics,
        eval_examples: examples,
        eval_runtime: durationMs / 1000,
        wall_time: Date.now() / 1000,
        elapsed: (Date.now() - startedAt) / 1000,
      });
    };
    // A checkpoint carries the metrics of its own step: evaluate first where this step was not.
    const save = async (): Promise<void> => {
      if (evaluating && !session!.evaluatedThisStep) await evaluate();
      await saver.save();
    };
    while (session.globalStep < config.max_steps && !stop.requested) {
      saver.throwIfFailed();
      const result = await session.trainStepAsync();
      rate.step(performance.now());
      const step = result.step;
      if (step % config.log_steps === 0 || step === config.max_steps) {
        const stepsPerSec = rate.report(performance.now());
        const examplesPerSec = stepsPerSec * config.batch_size;
        const etaSec = stepsPerSec > 0 ? (config.max_steps - step) / stepsPerSec : null;
        sink.emit({
          type: 'step',
          step,
          maxSteps: config.max_steps,
          epoch: result.epoch,
          loss: result.loss,
          lr: result.lr,
          examplesPerSec,
          stepsPerSec,
          etaSec,
          time: Date.now(),
        });
        files.appendMetrics({
          step,
          epoch: result.epoch,
          loss: result.loss,
          lr: result.lr,
          examples_per_sec: examplesPerSec,
          steps_per_sec: stepsPerSec,
          wall_time: Date.now() / 1000,
          elapsed: (Date.now() - startedAt) / 1000,
        });
      }
      if (evaluating && step % config.eval_steps === 0) await evaluate();
      if (step % config.save_steps === 0) await save();
      options.afterStep?.(step);
      await yieldToEventLoop();
    }

    const stopped = stop.requested && session.globalStep < config.max_steps;
    // A stopped run saves if save_on_stop; a finished one always ends with a checkpoint of its last step.
    if (
      (stopped ? config.save_on_stop : true) &&
      session.globalStep > startStep &&
      saver.lastSavedStep !== session.globalStep
    )
      await save();
    await saver.flush();
    const status = stopped ? 'stopped' : 'finished';
    record = { ...record, status, step: session.globalStep, ended_at: new Date().toISOString() };
    await files.writeRecord(record);
    sink.emit({
      type: 'finished',
      status,
      step: session.globalStep,
      loss: session.lastLoss,
      durationMs: Date.now() - startedAt,
    });
    return { status, step: session.globalStep, loss: session.lastLoss, backend, runDir: config.output_dir };
  } catch (error) {
    if (files && record) {
      await files.writeRecord({
        ...record,
        status: 'failed',
        step: session?.globalStep ?? record.step,
        ended_at: new Date().toISOString(),
        error: error instanceof Error ? error.message : String(error),
      });
    }
    throw error;
  } finally {
    // Never leave a half-written save behind the released lock; its own failure was already reported.
    await manager?.flush().catch(() => undefined);
    session?.dispose();
    await lock.release();
  }
}

/** Hands snapshots to the checkpoint manager and reports their completion; a failed save stops the run unless on_save_error is 'continue'. */
class Saver {
  lastSavedStep = -1;
  private failure: Error | null = null;
  /** The previous save's outcome, reported: a new save starts only after it (on_save_error: stop). */
  private previous: Promise<void> = Promise.resolve();

  constructor(
    private readonly session: TrainingSession,
    private readonly manager: CheckpointManager,
    private readonly config: TrainConfig,
    private readonly backend: BackendChoice,
    private readonly sink: EventSink,
  ) {}

  async save(): Promise<void> {
    // A background save that failed must stop the run before anything more is saved.
    await this.previous;
    this.throwIfFailed();
    const started = performance.now();
    const content = await this.session.snapshotAsync();
    content.metadata = {
      name: this.config.name,
      config_path: this.config.config_path,
      config: this.config,
      backend: this.backend.name,
      created: new Date().toISOString(),
    };
    const pending = await this.manager.save(content);
    const blockingMs = performance.now() - started;
    this.lastSavedStep = content.step;
    const reported = pending.done.then(
      (r) =>
        this.sink.emit({
          type: 'checkpoint_saved',
          step: r.step,
          path: r.path,
          name: r.name,
          bytes: r.bytes,
          blockingMs,
          durationMs: r.durationMs,
          deleted: r.deleted,
        }),
      (error: unknown) => this.onFailure(pending.path, error),
    );
    this.previous = reported;
    if (!this.config.async_save) await reported;
  }

  private onFailure(path: string, error: unknown): void {
    const message = `saving ${path} failed: ${error instanceof Error ? error.message : String(error)}`;
    if (this.config.on_save_error === 'continue')
      this.sink.emit({
        type: 'warning',
        message: `${message}; training continues (on_save_error: continue)`,
        code: 'save_failed',
      });
    else this.failure ??= new Error(`${message} (set on_save_error: continue to keep training without it)`);
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  async flush(): Promise<void> {
    try {
      await this.manager.flush();
    } catch {
      // Reported through the save's own handler; give it a turn to run.
      await yieldToEventLoop();
    }
    this.throwIfFailed();
  }
}
