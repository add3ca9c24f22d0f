/**
 * The configs the GPU correctness check trains: every model with Adam and a cosine schedule, every
 * optimizer and every scheduler on an MLP (the cross product with `full`), and one MLP wide enough
 * that GPU matrix products run their tiled code paths. Small, so the cpu reference stays quick.
 */
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../../src/core/checkpoint/types';
import type { OptimizerConfig, SchedulerConfig, TrainConfig } from '../../../src/core/config/types';

export interface CorrectnessCase {
  name: string;
  config: TrainConfig;
}

export const OPTIMIZER_VARIANTS = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'rmsprop'] as const;
export const SCHEDULER_TYPES = ['constant', 'linear_warmup', 'cosine', 'step', 'exponential', 'linear'] as const;
export const MODEL_VARIANTS = ['mlp', 'char_lm_gru', 'char_lm_lstm', 'transformer', 'mlp_wide'] as const;
export type OptimizerVariant = (typeof OPTIMIZER_VARIANTS)[number];
export type SchedulerType = (typeof SCHEDULER_TYPES)[number];
export type ModelVariant = (typeof MODEL_VARIANTS)[number];

const text = { type: 'synthetic_text', length: 300, seed: 5, seq_len: 8 } as const;

const MODELS: Record<ModelVariant, Pick<TrainConfig, 'model' | 'data' | 'batch_size'>> = {
  mlp: {
    model: { type: 'mlp', hidden: [16, 12], activation: 'gelu', dropout: 0.1 },
    data: { type: 'synthetic_classification', samples: 64, features: 6, classes: 3, noise: 0.5, seed: 3 },
    batch_size: 8,
  },
  char_lm_gru: {
    model: { type: 'char_lm', cell: 'gru', embedding_dim: 6, units: 8, layers: 1, dropout: 0.1 },
    data: text,
    batch_size: 4,
  },
  char_lm_lstm: {
    model: { type: 'char_lm', cell: 'lstm', embedding_dim: 6, units: 8, layers: 1, dropout: 0.1 },
    data: text,
    batch_size: 4,
  },
  transformer: {
    model: { type: 'transformer', d_model: 16, heads: 2, ff_dim: 24, blocks: 1, dropout: 0.1 },
    data: text,
    batch_size: 4,
  },
  mlp_wide: {
    model: { type: 'mlp', hidden: [256, 256], activation: 'relu', dropout: 0 },
    data: { type: 'synthetic_classification', samples: 256, features: 64, classes: 10, noise: 0.5, seed: 3 },
    batch_size: 64,
  },
};

function optimizer(variant: OptimizerVariant): OptimizerConfig {
  const type = variant === 'nesterov' ? 'momentum' : variant;
  // Clipping on for two of them so the global-norm path runs on the GPU too.
  const clip_norm = variant === 'adam' || variant === 'momentum' ? 1 : null;
  const learning_rate = type === 'sgd' || type === 'momentum' ? 0.05 : 0.01;
  return {
    type,
    learning_rate,
    momentum: 0.9,
    nesterov: variant === 'nesterov',
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-7,
    weight_decay: 0.01,
    rho: 0.9,
    clip_norm,
  };
}

function scheduler(type: SchedulerType): SchedulerConfig {
  return { type, warmup_steps: 2, decay_steps: null, step_size: 2, gamma: 0.7, min_lr: 0.001 };
}

export function caseConfig(
  model: ModelVariant,
  opt: OptimizerVariant,
  sched: SchedulerType,
  outputDir: string,
  maxSteps: number,
): TrainConfig {
  return {
    ...DEFAULT_CHECKPOINT_OPTIONS,
    config_path: `${outputDir}/config.yaml`,
    sources: [`${outputDir}/config.yaml`],
    name: `${model}-${opt}-${sched}`,
    seed: 11,
    output_dir: outputDir,
    blas: 'auto',
    cpu_threads: null,
    launcher: { type: 'local' },
    max_steps: maxSteps,
    backend: 'cpu',
    device: null,
    ...MODELS[model],
    optimizer: optimizer(opt),
    scheduler: scheduler(sched),
    log_steps: 1,
    save_on_stop: true,
    on_save_error: 'stop',
    eval_split: null,
    eval_data: null,
    eval_strategy: 'no',
    eval_steps: 1,
    metric_for_best_model: 'loss',
    greater_is_better: false,
    preserve_n_best: 1,
    async_save: false,
    save_total_limit: null,
  };
}

/** Which combinations run: each model, optimizer and scheduler at least once, or all of them. */
export function correctnessCases(outputDir: string, maxSteps: number, full = false): CorrectnessCase[] {
  const picked: Array<[ModelVariant, OptimizerVariant, SchedulerType]> = [];
  if (full) {
    for (const m of MODEL_VARIANTS)
      for (const o of OPTIMIZER_VARIANTS) for (const s of SCHEDULER_TYPES) picked.push([m, o, s]);
  } else {
    for (const m of MODEL_VARIANTS) picked.push([m, 'adam', 'cosine']);
    for (const o of OPTIMIZER_VARIANTS) if (o !== 'adam') picked.push(['mlp', o, 'cosine']);
    for (const s of SCHEDULER_TYPES) if (s !== 'cosine') picked.push(['mlp', 'adamw', s]);
  }
  return picked.map(([m, o, s]) => ({
    name: `${m} + ${o} + ${s}`,
    config: caseConfig(m, o, s, `${outputDir}/${m}-${o}-${s}`, maxSteps),
  }));
}
