/**
 * From the validated (type-discriminated) config to the flat TrainConfig contract: fields that the
 * chosen optimizer / scheduler type does not use get neutral values, the data seed falls back to
 * the run seed, and relative paths become absolute against the file that set them.
 */
import * as path from 'node:path';
import { SET_SOURCE } from './errors';
import { originOf, type ConfigPath, type OriginMap } from './layer';
import type { ParsedConfig } from './schema';
import type { DataConfig, OptimizerConfig, SchedulerConfig, TrainConfig } from './types';

const NEUTRAL_OPTIMIZER: Omit<OptimizerConfig, 'type' | 'learning_rate'> = {
  momentum: 0,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
  weight_decay: 0,
  rho: 0.9,
  clip_norm: null,
};

const NEUTRAL_SCHEDULER: Omit<SchedulerConfig, 'type'> = {
  warmup_steps: 0,
  decay_steps: null,
  step_size: 1,
  gamma: 1,
  min_lr: 0,
};

export interface NormalizeContext {
  origins: OriginMap;
  cwd: string;
  /** Leaf first. */
  sources: string[];
}

export function toTrainConfig(parsed: ParsedConfig, ctx: NormalizeContext): TrainConfig {
  const leaf = ctx.sources[0]!;
  const base = ctx.sources[ctx.sources.length - 1]!;
  const name = parsed.name ?? path.basename(leaf).replace(/\.ya?ml$/, '');
  const output_dir =
    parsed.output_dir !== undefined
      ? resolveFrom(ctx, ['output_dir'], parsed.output_dir)
      : path.join(path.dirname(base), 'runs', name);
  return {
    ...parsed,
    config_path: leaf,
    sources: ctx.sources,
    name,
    output_dir,
    blas: toBlas(parsed.blas, ctx),
    data: toData(parsed, ctx),
    eval_data: parsed.eval_data && {
      ...parsed.eval_data,
      path: resolveFrom(ctx, ['eval_data', 'path'], parsed.eval_data.path),
    },
    optimizer: { ...NEUTRAL_OPTIMIZER, ...parsed.optimizer },
    scheduler: { ...NEUTRAL_SCHEDULER, ...parsed.scheduler },
    ...evaluationDefaults(parsed),
  };
}

/** Hugging Face's defaults: eval_steps = log_steps, eval_loss decides the best when evaluating, greater_is_better unless the metric is a loss. */
function evaluationDefaults(
  parsed: ParsedConfig,
): Pick<TrainConfig, 'eval_strategy' | 'eval_steps' | 'metric_for_best_model' | 'greater_is_better'> {
  const eval_strategy =
    parsed.eval_strategy ?? (parsed.eval_split !== null || parsed.eval_data !== null ? 'steps' : 'no');
  const metric_for_best_model =
    parsed.metric_for_best_model === undefined
      ? eval_strategy === 'steps'
        ? 'eval_loss'
        : null
      : parsed.metric_for_best_model;
  const greater_is_better =
    parsed.greater_is_better ?? (metric_for_best_model !== null && !metric_for_best_model.endsWith('loss'));
  return { eval_strategy, eval_steps: parsed.eval_steps ?? parsed.log_steps, metric_for_best_model, greater_is_better };
}

function toData(parsed: ParsedConfig, ctx: NormalizeContext): DataConfig {
  const data = parsed.data;
  switch (data.type) {
    case 'csv':
    case 'text':
      return { ...data, path: resolveFrom(ctx, ['data', 'path'], data.path) };
    default:
      return { ...data, seed: data.seed ?? parsed.seed };
  }
}

/** A BLAS path with a folder in it resolves like any path; a bare file name ('libopenblas.so.0') is left to the loader's search. */
function toBlas(value: string, ctx: NormalizeContext): string {
  if (value === 'auto' || value === 'off') return value;
  return /[\\/]/.test(value) ? resolveFrom(ctx, ['blas'], value) : value;
}

/** Relative paths resolve against the directory of the file that wrote them (cwd for --set). */
function resolveFrom(ctx: NormalizeContext, at: ConfigPath, value: string): string {
  const file = originOf(ctx.origins, at)?.value.file;
  const dir = !file || file === SET_SOURCE ? ctx.cwd : path.dirname(file);
  return path.resolve(dir, value);
}
