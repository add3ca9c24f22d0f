/**
 * The merged, validated training config (after `extends` and `--set`). The schema that produces
 * it lives beside this file; this interface is what the trainer and the extension consume.
 * All relative paths are already resolved to absolute ones by the loader.
 */
import type { CheckpointOptions } from '../checkpoint/types';
import type { LauncherConfig } from './launcherSchema';

export type { LauncherConfig, SlurmLauncherConfig } from './launcherSchema';

export type BackendName = 'auto' | 'cpu' | 'wasm' | 'tensorflow' | 'tensorflow-gpu' | 'webgpu';

export type ModelConfig =
  | {
      type: 'mlp';
      hidden: number[];
      activation: 'relu' | 'tanh' | 'sigmoid' | 'gelu';
      dropout: number;
    }
  | {
      type: 'char_lm';
      cell: 'gru' | 'lstm';
      embedding_dim: number;
      units: number;
      layers: number;
      dropout: number;
    }
  | {
      type: 'transformer';
      d_model: number;
      heads: number;
      ff_dim: number;
      blocks: number;
      dropout: number;
    };

export type DataConfig =
  | {
      type: 'synthetic_classification';
      samples: number;
      features: number;
      classes: number;
      noise: number;
      seed: number;
    }
  | { type: 'synthetic_regression'; samples: number; features: number; noise: number; seed: number }
  | { type: 'synthetic_text'; length: number; seed: number; seq_len: number }
  | { type: 'csv'; path: string; target: string; task: 'classification' | 'regression'; seq_len?: never }
  | { type: 'text'; path: string; seq_len: number };

export type EvalDataConfig = Extract<DataConfig, { type: 'csv' | 'text' }>;

export interface OptimizerConfig {
  type: 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop';
  learning_rate: number;
  momentum: number; // momentum, rmsprop
  nesterov: boolean; // momentum
  beta1: number; // adam, adamw
  beta2: number; // adam, adamw
  epsilon: number; // adam, adamw, rmsprop
  weight_decay: number; // adamw (decoupled)
  rho: number; // rmsprop decay
  clip_norm: number | null;
}

export interface SchedulerConfig {
  type: 'constant' | 'linear_warmup' | 'cosine' | 'step' | 'exponential' | 'linear';
  warmup_steps: number;
  /** Steps over which cosine / linear decay run; null = max_steps. */
  decay_steps: number | null;
  step_size: number; // step
  gamma: number; // step, exponential
  min_lr: number; // cosine, linear: the floor
}

export interface TrainConfig extends CheckpointOptions {
  /** Absolute path of the file the user named (the leaf of the extends chain). */
  config_path: string;
  /** Absolute paths of every file merged, leaf first. */
  sources: string[];
  name: string;
  seed: number;
  /** Absolute. */
  output_dir: string;
  max_steps: number;
  batch_size: number;
  backend: BackendName;
  /** GPU index, or null. */
  device: number | null;
  /** 'auto', 'off', or a BLAS library's path or file name (absolute when it was a relative path). */
  blas: string;
  /** BLAS threads; null = cores - 1, between 1 and 4. */
  cpu_threads: number | null;
  model: ModelConfig;
  data: DataConfig;
  optimizer: OptimizerConfig;
  scheduler: SchedulerConfig;
  log_steps: number;
  save_on_stop: boolean;
  on_save_error: 'stop' | 'continue';
  /** Fraction of the data held out for evaluation, or null. */
  eval_split: number | null;
  /** A held-out data file of the same type as `data` (path absolute), or null. */
  eval_data: EvalDataConfig | null;
  /** 'steps' evaluates every eval_steps (and before each save); resolved from eval_split when not given. */
  eval_strategy: 'no' | 'steps';
  /** Resolved: log_steps when not given. */
  eval_steps: number;
  /** Metric deciding the "best" checkpoint protected from retention ('loss', 'eval_loss', 'eval_accuracy'), or null. */
  metric_for_best_model: string | null;
  greater_is_better: boolean;
  /** How many of the best checkpoints retention keeps. */
  preserve_n_best: number;
  /** Run the save in the background while training continues. */
  async_save: boolean;
  /** Where the trainer runs: here, or in a Slurm batch job. */
  launcher: LauncherConfig;
}
