/**
 * The checkpoint engine's data model. Framework-free: tensors are plain typed arrays, so the
 * trainer (tfjs), the extension (no tfjs) and the command line share one format.
 *
 * On disk, under a run's output folder:
 *   run.json, metrics.jsonl, .lock, checkpoints/.save-counter
 *   checkpoints/checkpoint-<step>/
 *     model.safetensors          weights
 *     optimizer.safetensors      optimizer slots (Adam m, v; momentum; ...)   [save_optimizer_state]
 *     optimizer.json             optimizer type, hyper-parameters, iterations, slot order, extras
 *     scheduler.json             LR-scheduler state                           [save_scheduler_state]
 *     trainer_state.json         global step, epoch, data position, RNG, best metric
 *     metadata.json              run metadata (config snapshot, backend)
 *     manifest.json              written last: every file with size and checksum
 */

export type DType = 'float32' | 'int32';

export interface TensorEntry {
  dtype: DType;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** Ordered: insertion order is the order the trainer gave (optimizer slots match variables by position). */
export type TensorMap = Record<string, TensorEntry>;

export interface OptimizerState {
  /** 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop' */
  type: string;
  /** Hyper-parameters as configured: learning_rate, beta1, beta2, epsilon, momentum, nesterov, weight_decay ... */
  hyperparameters: Record<string, number | boolean | string | null>;
  /** Optimizer steps taken. */
  iterations: number;
  /** Slot tensors in optimizer.safetensors, in the order the optimizer expects them, e.g. 'dense_1/kernel/m'. */
  slots: Array<{ name: string; variable: string; slot: string }>;
  /** State kept outside the public weights, e.g. Adam's accumulated beta powers { accBeta1, accBeta2 }. */
  extra: Record<string, number>;
}

export interface SchedulerState {
  /** 'constant' | 'linear_warmup' | 'cosine' | 'step' | 'exponential' | 'linear' */
  type: string;
  config: Record<string, number | string | null>;
  /** Scheduler steps taken. */
  step: number;
  last_lr: number;
  /** Null where the format does not store enough to know it (e.g. Hugging Face LambdaLR schedules). */
  next_lr: number | null;
}

export interface TrainerState {
  global_step: number;
  epoch: number;
  /** Where the data sampler is: enough to continue with exactly the batches an uninterrupted run sees. */
  data_position: Record<string, unknown>;
  /** RNG state(s) needed to continue deterministically. */
  rng: Record<string, unknown>;
  /** Last logged training loss. */
  loss: number | null;
  /** Name of the metric that decides "best" (e.g. 'loss'), if configured. */
  best_metric_name: string | null;
  best_metric: number | null;
  /** Checkpoint folder name of the best checkpoint so far; protected from retention. */
  best_checkpoint: string | null;
  /** Whether greater is better for best_metric. */
  greater_is_better: boolean;
  /**
   * Metrics at this step by name (e.g. { loss: 0.31, eval_loss: 0.4 }). The manager reads
   * `metric_for_best_model` here (falling back to `loss`) to decide the best checkpoint.
   */
  metrics?: Record<string, number | null>;
}

export interface CheckpointContent {
  step: number;
  weights: TensorMap;
  /** Omitted when save_optimizer_state is false. */
  optimizer?: { state: OptimizerState; tensors: TensorMap };
  /** Omitted when save_scheduler_state is false. */
  scheduler?: SchedulerState;
  trainerState: TrainerState;
  metadata?: Record<string, unknown>;
}

export interface ManifestFile {
  path: string;
  size: number;
  checksum: string;
}

export interface Manifest {
  format: 'training-runs-checkpoint';
  version: 1;
  step: number;
  /** Monotonic per output folder: breaks modification-time ties between saves. */
  save_counter: number;
  created: string;
  checksum_algorithm: string;
  files: ManifestFile[];
  /** Files removed on purpose after the commit (e.g. optimizer state by `prune-optimizer`): not damage. */
  removed_on_purpose?: string[];
}

export interface RetentionOptions {
  /** Keep at most N checkpoints; null keeps all. */
  save_total_limit: number | null;
  /** Also keep checkpoints whose step is a multiple of K; null = none. */
  keep_every_steps: number | null;
}

export interface CheckpointOptions extends RetentionOptions {
  save_steps: number;
  save_optimizer_state: boolean;
  save_scheduler_state: boolean;
  restore_optimizer_state: boolean;
  restore_scheduler_state: boolean;
  /** true = latest valid; string = that checkpoint; false = fresh start. */
  resume_from_checkpoint: boolean | string;
}

export const DEFAULT_CHECKPOINT_OPTIONS: CheckpointOptions = {
  save_steps: 100,
  save_optimizer_state: true,
  save_scheduler_state: true,
  restore_optimizer_state: true,
  restore_scheduler_state: true,
  resume_from_checkpoint: false,
  save_total_limit: 3,
  keep_every_steps: null,
};

/** One row of `checkpoints --json`: exact shape promised to scripts and used by the tree view. */
export interface CheckpointInfo {
  path: string;
  name: string;
  step: number | null;
  mtimeMs: number;
  valid: boolean;
  latest: boolean;
  problems: string[];
  optimizer: OptimizerSummary | null;
  scheduler: SchedulerState | null;
  /**
   * From trainer_state.json: the last logged loss and the best checkpoint so far; null when invalid
   * or unreadable, absent where a source does not read it (Hugging Face rows).
   */
  trainer?: { loss: number | null; bestCheckpoint: string | null } | null;
}

export interface OptimizerSummary {
  type: string;
  hyperparameters: Record<string, number | boolean | string | null>;
  iterations: number;
  /** Slot kinds, e.g. ['m', 'v'] */
  slotKinds: string[];
  /** Number of variables with slots. */
  variables: number;
  bytes: number;
}
