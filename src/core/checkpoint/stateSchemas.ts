/** Validation of the JSON state files read back from a checkpoint (errors name the file and field). */
import * as z from 'zod';
import { parseBoundedJson } from '../limits/boundedFile';
import type { OptimizerState, SchedulerState, TrainerState } from './types';

const hyperValue = z.union([z.number(), z.boolean(), z.string(), z.null()]);

const optimizerStateSchema = z.object({
  type: z.string(),
  hyperparameters: z.record(z.string(), hyperValue),
  iterations: z.number().int().nonnegative(),
  slots: z.array(z.object({ name: z.string(), variable: z.string(), slot: z.string() })),
  extra: z.record(z.string(), z.number()),
});

const schedulerStateSchema = z.object({
  type: z.string(),
  config: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  step: z.number().int().nonnegative(),
  last_lr: z.number(),
  next_lr: z.number(),
});

const trainerStateSchema = z.looseObject({
  global_step: z.number().int().nonnegative(),
  epoch: z.number(),
  data_position: z.record(z.string(), z.unknown()),
  rng: z.record(z.string(), z.unknown()),
  loss: z.number().nullable(),
  best_metric_name: z.string().nullable(),
  best_metric: z.number().nullable(),
  best_checkpoint: z.string().nullable(),
  greater_is_better: z.boolean(),
  metrics: z.record(z.string(), z.number().nullable()).optional(),
});

function parseWith<T>(schema: z.ZodType<T>, text: string, label: string): T {
  const raw = parseBoundedJson(text, label);
  const result = schema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${label}: field "${issue?.path.join('.') || '(root)'}": ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export const parseOptimizerState = (text: string, label: string): OptimizerState =>
  parseWith(optimizerStateSchema, text, label);
export const parseSchedulerState = (text: string, label: string): SchedulerState =>
  parseWith(schedulerStateSchema, text, label);
export const parseTrainerState = (text: string, label: string): TrainerState =>
  parseWith(trainerStateSchema, text, label) as TrainerState;
