/**
 * The checkpoint bench's model (10M float32 parameters plus Adam m and v, about 120 MB) and its
 * timing helpers. The tensors are built once and shared by every save: allocating 120 MB per
 * repetition would put the garbage collector's work inside the timed saves (but not the reference).
 */
import type { CheckpointContent, TensorMap } from '../../src/core/checkpoint/types';

export const PARAMS = 10_000_000;
const TENSORS = 10;

function tensors(suffix: string, seed: number): TensorMap {
  const map: TensorMap = {};
  for (let i = 0; i < TENSORS; i++) {
    const data = new Float32Array(PARAMS / TENSORS);
    for (let j = 0; j < data.length; j += 997) data[j] = seed + j;
    map[`layer_${i}/kernel${suffix}`] = { dtype: 'float32', shape: [1000, PARAMS / TENSORS / 1000], data };
  }
  return map;
}

/** A factory of checkpoint contents at any step, all sharing one set of tensors. */
export function benchContents(): (step: number) => CheckpointContent {
  const weights = tensors('', 1);
  const m = tensors('/m', 2);
  const v = tensors('/v', 3);
  const slots = [...Object.keys(m), ...Object.keys(v)].map((name) => ({
    name,
    variable: name.replace(/\/[mv]$/, ''),
    slot: name.slice(-1),
  }));
  return (step) => ({
    step,
    weights,
    optimizer: {
      state: {
        type: 'adam',
        hyperparameters: { learning_rate: 1e-3 },
        iterations: step,
        slots,
        extra: { accBeta1: 0.5, accBeta2: 0.9 },
      },
      tensors: { ...m, ...v },
    },
    scheduler: { type: 'constant', config: {}, step, last_lr: 1e-3, next_lr: 1e-3 },
    trainerState: {
      global_step: step,
      epoch: 0,
      data_position: {},
      rng: {},
      loss: 1,
      best_metric_name: null,
      best_metric: null,
      best_checkpoint: null,
      greater_is_better: false,
    },
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall and CPU milliseconds (user + system, all threads of this process: libuv's pool included). */
export async function measure(fn: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const wallMs = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}
