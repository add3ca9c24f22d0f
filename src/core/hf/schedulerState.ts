/**
 * What a PyTorch scheduler.pt (torch.save(lr_scheduler.state_dict())) says without running Python:
 * the scheduler's attributes (`last_epoch`, `_step_count`, `_last_lr`, `base_lrs` and its own
 * settings such as `T_max` or `step_size`). The class is not stored: it is inferred from those
 * settings. Hugging Face's schedules (linear, cosine, constant with warmup ...) are all LambdaLR,
 * whose lambdas are not saved, so for them neither the shape nor the next learning rate is known.
 */
import type { SchedulerState } from '../checkpoint/types';
import { PickleDict, type PickleValue } from './pickle';
import { withTorchFile, type TorchFile } from './torchFile';

/** SchedulerState, except that the next learning rate is unknown (null) for a saved torch scheduler. */
export interface HfSchedulerSummary extends Omit<SchedulerState, 'next_lr'> {
  next_lr: null;
  /** Always true: scheduler.pt does not record the scheduler class. */
  typeInferred: true;
  typeInferredFrom: string;
  /** Last learning rate of every parameter group. */
  lastLrs: number[];
  baseLrs: number[];
  /** Torch's `_step_count` (one more than the steps taken: the constructor counts one). */
  stepCount: number | null;
  bytes: number;
}

/** Attributes every LRScheduler has; the rest are the scheduler's own settings. */
const COMMON_KEYS = new Set([
  'base_lrs',
  'last_epoch',
  '_step_count',
  'verbose',
  '_get_lr_called_within_step',
  '_last_lr',
  'optimizer',
]);

/** Own-setting names → scheduler type (names as in SchedulerState.type where one exists). */
const SIGNATURES: Array<{ keys: string[]; type: string }> = [
  { keys: ['lr_lambdas'], type: 'lambda' },
  { keys: ['T_0', 'T_mult'], type: 'cosine_warm_restarts' },
  { keys: ['T_max', 'eta_min'], type: 'cosine' },
  { keys: ['total_steps', 'anneal_func'], type: 'one_cycle' },
  { keys: ['milestones', 'gamma'], type: 'multistep' },
  { keys: ['step_size', 'gamma'], type: 'step' },
  { keys: ['start_factor', 'end_factor', 'total_iters'], type: 'linear' },
  { keys: ['factor', 'total_iters'], type: 'constant' },
  { keys: ['total_iters', 'power'], type: 'polynomial' },
  { keys: ['patience', 'cooldown'], type: 'plateau' },
  { keys: ['gamma'], type: 'exponential' },
];

export async function readSchedulerSummary(path: string, bytes: number): Promise<HfSchedulerSummary> {
  return withTorchFile(path, async (file) => summarizeScheduler(file, bytes));
}

export function summarizeScheduler(file: TorchFile, bytes: number): HfSchedulerSummary {
  const root = file.root;
  if (!(root instanceof PickleDict)) throw new Error(`${file.path}: not a scheduler state_dict (expected a dict)`);
  const keys = root.keys().filter((k): k is string => typeof k === 'string');
  const own = keys.filter((k) => !COMMON_KEYS.has(k));
  const signature = SIGNATURES.find((s) => s.keys.every((k) => own.includes(k)));

  const config: Record<string, number | string | null> = {};
  for (const key of own) {
    const value = root.get(key);
    if (value === null || typeof value === 'number' || typeof value === 'string') config[key] = value;
    else if (typeof value === 'boolean') config[key] = String(value);
  }
  const lastLrs = numbers(root.get('_last_lr'));
  const lastEpoch = root.get('last_epoch');
  const stepCount = root.get('_step_count');
  return {
    type: signature?.type ?? 'unknown',
    typeInferred: true,
    typeInferredFrom: own.length > 0 ? `keys ${own.join(', ')}` : 'no scheduler-specific keys',
    config,
    // LRScheduler's constructor takes one step (last_epoch 0); each scheduler.step() adds one.
    step: typeof lastEpoch === 'number' ? lastEpoch : 0,
    last_lr: lastLrs[0] ?? Number.NaN, // ReduceLROnPlateau keeps no _last_lr
    next_lr: null,
    lastLrs,
    baseLrs: numbers(root.get('base_lrs')),
    stepCount: typeof stepCount === 'number' ? stepCount : null,
    bytes,
  };
}

function numbers(value: PickleValue | undefined): number[] {
  return Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
}
