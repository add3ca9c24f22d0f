/**
 * One training run in memory: dataset, model, optimizer, scheduler and sampler, with one method
 * per thing the loop does (step, snapshot, restore). No file or process I/O here, so tests can
 * drive it directly; runTraining adds checkpoints, events and signals around it.
 */
import * as tf from '@tensorflow/tfjs';
import type { CheckpointContent, TensorMap, TrainerState } from '../../core/checkpoint/types';
import type { TrainConfig } from '../../core/config/types';
import { BatchSampler, type Dataset, type SamplerPosition } from '../data';
import { buildDatasets, type SplitDatasets } from '../data/split';
import { type Model, buildModel } from '../models';
import { type Optimizer, clipByGlobalNorm, createOptimizer } from '../optim';
import { LrScheduler } from '../schedulers';
import { prefetchVariables } from '../backend/readback';
import { InputError } from '../util/errors';
import { mixSeed } from '../util/rng';
import { type EvalResult, evaluateModel } from './evaluate';

/** The config fields a session reads (the rest concern files and processes). */
export type SessionConfig = Pick<
  TrainConfig,
  | 'seed'
  | 'max_steps'
  | 'batch_size'
  | 'model'
  | 'data'
  | 'optimizer'
  | 'scheduler'
  | 'metric_for_best_model'
  | 'greater_is_better'
  | 'eval_split'
  | 'eval_data'
>;

export interface StepResult {
  step: number;
  loss: number;
  lr: number;
  epoch: number;
}

export interface RestoreOptions {
  restoreOptimizer: boolean;
  restoreScheduler: boolean;
}

export interface RestoreReport {
  restoredOptimizer: boolean;
  restoredScheduler: boolean;
  warnings: string[];
}

const DATA_STREAM = 1;
const DROPOUT_STREAM = 2;

export class TrainingSession {
  globalStep = 0;
  lastLoss: number | null = null;
  private optimizer: Optimizer;
  private scheduler: LrScheduler;
  private readonly sampler: BatchSampler;
  /** Carried from a restored checkpoint so the trainer state keeps the best-model record. */
  private best: Pick<TrainerState, 'best_metric' | 'best_checkpoint'> = { best_metric: null, best_checkpoint: null };
  private lossSinceSave = { sum: 0, count: 0 };
  /** The latest evaluation: a snapshot at its step carries its metrics (they decide the best checkpoint). */
  private lastEval: { step: number; result: EvalResult } | null = null;

  private constructor(
    readonly config: SessionConfig,
    readonly dataset: Dataset,
    readonly evalDataset: Dataset | null,
    readonly model: Model,
  ) {
    this.optimizer = createOptimizer(config.optimizer, model.params);
    this.scheduler = this.freshScheduler();
    this.sampler = new BatchSampler(dataset.size, config.batch_size, mixSeed(config.seed, DATA_STREAM));
  }

  /** Builds everything from the config; the tfjs backend must already be set. */
  static create(
    config: SessionConfig,
    datasets: SplitDatasets = buildDatasets(config.data, config.eval_split, config.eval_data),
  ): TrainingSession {
    return new TrainingSession(
      config,
      datasets.train,
      datasets.eval,
      buildModel(config.model, datasets.train, config.seed),
    );
  }

  /** Evaluates the current weights on the held-out data; touches nothing training reads (sampler, RNG, optimizer). */
  async evaluate(): Promise<EvalResult> {
    if (!this.evalDataset) throw new Error('evaluation needs held-out data: set eval_split or eval_data');
    const result = await evaluateModel(this.model, this.evalDataset, this.config.batch_size);
    this.lastEval = { step: this.globalStep, result };
    return result;
  }

  /** Whether the current step was evaluated (a save evaluates first if not, so its checkpoint has metrics). */
  get evaluatedThisStep(): boolean {
    return this.lastEval?.step === this.globalStep;
  }

  get epoch(): number {
    return this.sampler.currentEpoch;
  }

  get learningRate(): number {
    return this.scheduler.nextLr();
  }

  /** One optimizer step on the next batch; the scheduler's LR is set first. */
  trainStep(): StepResult {
    const { lossTensor, lr } = this.applyStep();
    const loss = lossTensor.dataSync()[0]!;
    lossTensor.dispose();
    return this.finishStep(loss, lr);
  }

  /** trainStep for backends without synchronous reads (WebGPU in Node): the loss is read asynchronously. */
  async trainStepAsync(): Promise<StepResult> {
    const { lossTensor, lr } = this.applyStep();
    const loss = (await lossTensor.data())[0]!;
    lossTensor.dispose();
    return this.finishStep(loss, lr);
  }

  private applyStep(): { lossTensor: tf.Tensor; lr: number } {
    const lr = this.scheduler.nextLr();
    this.optimizer.learningRate = lr;
    const arrays = this.dataset.batch(this.sampler.next());
    const dropoutSeed = mixSeed(this.config.seed, DROPOUT_STREAM, this.globalStep);
    const params = this.model.params;
    const lossTensor = tf.tidy(() => {
      const x = tf.tensor(arrays.x, arrays.xShape, 'float32');
      const y = tf.tensor(arrays.y, arrays.yShape, 'float32');
      const { value, grads } = tf.variableGrads(
        () => this.model.loss(x, y, { training: true, dropoutSeed }),
        params.map((p) => p.variable),
      );
      let ordered = params.map((p) => grads[p.variable.name]!);
      if (this.config.optimizer.clip_norm !== null)
        ordered = clipByGlobalNorm(ordered, this.config.optimizer.clip_norm);
      this.optimizer.apply(ordered);
      return value;
    });
    return { lossTensor, lr };
  }

  private finishStep(loss: number, lr: number): StepResult {
    if (!Number.isFinite(loss)) {
      throw new Error(
        `the loss became ${loss} at step ${this.globalStep + 1} (learning rate ${lr}); lower optimizer.learning_rate or set optimizer.clip_norm`,
      );
    }
    this.scheduler.advance();
    this.globalStep++;
    this.lastLoss = loss;
    this.lossSinceSave.sum += loss;
    this.lossSinceSave.count++;
    return { step: this.globalStep, loss, lr, epoch: this.sampler.currentEpoch };
  }

  /** snapshot for backends without synchronous reads: every variable is downloaded first, then read from tfjs's CPU copy. */
  async snapshotAsync(): Promise<CheckpointContent> {
    await prefetchVariables();
    return this.snapshot();
  }

  /** Copies of the current weights, in param order. */
  weights(): TensorMap {
    const out: TensorMap = {};
    for (const p of this.model.params) {
      out[p.name] = {
        dtype: 'float32',
        shape: [...p.variable.shape],
        data: (p.variable.dataSync() as Float32Array).slice(),
      };
    }
    return out;
  }

  /**
   * Everything a checkpoint needs (arrays are fresh copies the caller may hand over). The loss in
   * the trainer state is the mean training loss since the previous snapshot: the metric for "best".
   */
  snapshot(): CheckpointContent {
    const { state, tensors } = this.optimizer.getState();
    const meanLoss = this.lossSinceSave.count > 0 ? this.lossSinceSave.sum / this.lossSinceSave.count : this.lastLoss;
    this.lossSinceSave = { sum: 0, count: 0 };
    const trainerState: TrainerState = {
      global_step: this.globalStep,
      epoch: this.sampler.currentEpoch,
      data_position: {
        ...this.sampler.getPosition(),
        dataset_size: this.dataset.size,
        batch_size: this.config.batch_size,
      },
      rng: { seed: this.config.seed, data_seed: this.sampler.seed, dropout: 'derived from seed and global_step' },
      loss: meanLoss,
      metrics: { loss: meanLoss, ...(this.evaluatedThisStep ? this.lastEval!.result.metrics : {}) },
      best_metric_name: this.config.metric_for_best_model,
      best_metric: this.best.best_metric,
      best_checkpoint: this.best.best_checkpoint,
      greater_is_better: this.config.greater_is_better,
    };
    return {
      step: this.globalStep,
      weights: this.weights(),
      optimizer: {
        state,
        tensors: Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, { ...t, data: t.data.slice() }])),
      },
      scheduler: this.scheduler.getState(),
      trainerState,
    };
  }

  /** Restores weights, data position and (as asked) optimizer and scheduler; returns what happened. */
  restore(content: CheckpointContent, options: RestoreOptions): RestoreReport {
    const warnings: string[] = [];
    this.restoreWeights(content.weights);
    const state = content.trainerState;
    this.globalStep = state.global_step;
    this.lastLoss = state.loss;
    this.best = { best_metric: state.best_metric, best_checkpoint: state.best_checkpoint };
    const savedSeed = (state.rng as { seed?: unknown }).seed;
    if (savedSeed !== undefined && savedSeed !== this.config.seed) {
      warnings.push(
        `the checkpoint was trained with seed ${String(savedSeed)} and the config says ${this.config.seed}: batches and dropout masks will differ from the original run`,
      );
    }
    const position = state.data_position as Partial<SamplerPosition> & { dataset_size?: number };
    const resized = position.dataset_size !== undefined && position.dataset_size !== this.dataset.size;
    if (resized)
      warnings.push(
        `the dataset had ${position.dataset_size} examples when saved and has ${this.dataset.size} now; the data order differs from the original run`,
      );
    try {
      this.sampler.setPosition({ epoch: position.epoch ?? 0, index: resized ? 0 : (position.index ?? 0) });
    } catch (error) {
      // Bad input, not a training failure: one line, exit 2.
      throw new InputError(
        `the checkpoint's trainer_state.json data_position cannot be used: ${error instanceof Error ? error.message : String(error)}`,
        'resume_from_checkpoint',
      );
    }
    if (state.global_step !== content.step) {
      throw new InputError(
        `the checkpoint's trainer_state.json global_step ${state.global_step} disagrees with its step ${content.step}`,
        'resume_from_checkpoint',
      );
    }

    let restoredOptimizer = false;
    const fresh = createOptimizer(this.config.optimizer, this.model.params);
    this.optimizer.dispose();
    this.optimizer = fresh;
    if (options.restoreOptimizer && content.optimizer) {
      if (content.optimizer.state.type !== this.config.optimizer.type) {
        warnings.push(
          `the checkpoint's optimizer is ${content.optimizer.state.type} and the config's is ${this.config.optimizer.type}: starting the optimizer afresh`,
        );
      } else {
        this.optimizer.setState(content.optimizer.state, content.optimizer.tensors);
        restoredOptimizer = true;
      }
    } else if (options.restoreOptimizer) {
      warnings.push(
        'the checkpoint has no optimizer state (saved with save_optimizer_state: false): starting the optimizer afresh',
      );
    }

    let restoredScheduler = false;
    this.scheduler = this.freshScheduler();
    if (options.restoreScheduler && content.scheduler) {
      warnings.push(...this.scheduler.setState(content.scheduler));
      restoredScheduler = true;
    } else if (options.restoreScheduler) {
      warnings.push(
        'the checkpoint has no scheduler state (saved with save_scheduler_state: false): the schedule starts again from step 0',
      );
    }
    return { restoredOptimizer, restoredScheduler, warnings };
  }

  private restoreWeights(weights: TensorMap): void {
    const names = new Set(this.model.params.map((p) => p.name));
    const unexpected = Object.keys(weights).filter((n) => !names.has(n));
    if (unexpected.length > 0)
      throw new InputError(
        `the checkpoint has weights this model lacks (${unexpected.slice(0, 3).join(', ')}): it was saved from a different model config`,
        'model',
      );
    for (const p of this.model.params) {
      const entry = weights[p.name];
      if (!entry)
        throw new InputError(
          `the checkpoint lacks weight ${p.name}: it was saved from a different model config`,
          'model',
        );
      if (entry.dtype !== 'float32')
        throw new InputError(
          `weight ${p.name} is ${entry.dtype} in the checkpoint; the model's weights are float32`,
          'resume_from_checkpoint',
        );
      if (entry.shape.join(',') !== p.variable.shape.join(',')) {
        throw new InputError(
          `weight ${p.name} has shape [${entry.shape}] in the checkpoint and [${p.variable.shape}] in this model: the model config changed`,
          'model',
        );
      }
      tf.tidy(() => p.variable.assign(tf.tensor(entry.data, entry.shape, 'float32')));
    }
  }

  private freshScheduler(): LrScheduler {
    return LrScheduler.fromConfig(this.config.scheduler, this.config.optimizer.learning_rate, this.config.max_steps);
  }

  get schedulerStep(): number {
    return this.scheduler.step;
  }

  get optimizerIterations(): number {
    return this.optimizer.iterations;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.model.dispose();
  }
}
