import type { SchedulerConfig } from '../../core/config/types';

/** Everything a schedule needs, with decay_steps resolved against max_steps. */
export interface ScheduleParams {
  type: SchedulerConfig['type'];
  base_lr: number;
  warmup_steps: number;
  decay_steps: number;
  step_size: number;
  gamma: number;
  min_lr: number;
}

export function resolveSchedule(config: SchedulerConfig, baseLr: number, maxSteps: number): ScheduleParams {
  return {
    type: config.type,
    base_lr: baseLr,
    warmup_steps: config.warmup_steps,
    decay_steps: config.decay_steps ?? maxSteps,
    step_size: config.step_size,
    gamma: config.gamma,
    min_lr: config.min_lr,
  };
}

/**
 * The learning rate for the step with 0-based index `step`: a pure function, so the scheduler's
 * whole state is its step count. Every schedule but `constant` starts with a linear warmup over
 * warmup_steps (reaching base_lr on step warmup_steps - 1, never 0 on the first step).
 */
export function learningRateAt(p: ScheduleParams, step: number): number {
  if (p.type === 'constant') return p.base_lr;
  if (p.warmup_steps > 0 && step < p.warmup_steps) return (p.base_lr * (step + 1)) / p.warmup_steps;
  const afterWarmup = step - p.warmup_steps;
  const decayLength = Math.max(1, p.decay_steps - p.warmup_steps);
  const progress = Math.min(1, afterWarmup / decayLength);
  switch (p.type) {
    case 'linear_warmup':
      return p.base_lr;
    case 'cosine':
      return p.min_lr + (p.base_lr - p.min_lr) * 0.5 * (1 + Math.cos(Math.PI * progress));
    case 'linear':
      return p.base_lr + (p.min_lr - p.base_lr) * progress;
    case 'step':
      return p.base_lr * p.gamma ** Math.floor(afterWarmup / Math.max(1, p.step_size));
    case 'exponential':
      return p.base_lr * p.gamma ** afterWarmup;
  }
}
