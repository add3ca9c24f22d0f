import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { TrainConfig } from '../../../src/core/config/types';
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../../src/core/checkpoint/types';
import type { TensorMap } from '../../../src/core/checkpoint/types';
import { type TrainerEvent, parseTrainerEvent } from '../../../src/core/protocol/trainerEvents';
import { activateBackend } from '../../../src/trainer/backend/selectBackend';
import type { EventSink } from '../../../src/trainer/output/sinks';

/** A complete TrainConfig for a tiny MLP run; override any part. */
export function tinyConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULT_CHECKPOINT_OPTIONS,
    config_path: '/virtual/tiny.yaml',
    sources: ['/virtual/tiny.yaml'],
    name: 'tiny',
    seed: 7,
    output_dir: '/virtual/out',
    max_steps: 20,
    batch_size: 8,
    backend: 'cpu',
    device: null,
    blas: 'auto',
    cpu_threads: null,
    launcher: { type: 'local' },
    model: { type: 'mlp', hidden: [12], activation: 'relu', dropout: 0.1 },
    data: { type: 'synthetic_classification', samples: 50, features: 6, classes: 3, noise: 0.5, seed: 3 },
    optimizer: {
      type: 'adam',
      learning_rate: 0.01,
      momentum: 0.9,
      nesterov: false,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
      weight_decay: 0.01,
      rho: 0.9,
      clip_norm: null,
    },
    scheduler: { type: 'cosine', warmup_steps: 3, decay_steps: null, step_size: 5, gamma: 0.5, min_lr: 0.001 },
    log_steps: 5,
    save_on_stop: true,
    on_save_error: 'stop',
    eval_split: null,
    eval_data: null,
    eval_strategy: 'no',
    eval_steps: 5,
    metric_for_best_model: 'loss',
    greater_is_better: false,
    preserve_n_best: 1,
    async_save: true,
    ...overrides,
  };
}

export const tinyCharLm = (cell: 'gru' | 'lstm'): Partial<TrainConfig> => ({
  model: { type: 'char_lm', cell, embedding_dim: 4, units: 6, layers: 1, dropout: 0.1 },
  data: { type: 'synthetic_text', length: 300, seed: 5, seq_len: 6 },
  batch_size: 4,
});

export const tinyTransformer: Partial<TrainConfig> = {
  model: { type: 'transformer', d_model: 8, heads: 2, ff_dim: 12, blocks: 1, dropout: 0.1 },
  data: { type: 'synthetic_text', length: 300, seed: 5, seq_len: 6 },
  batch_size: 4,
};

/** Switches backends the way the trainer does (on wasm: with the replacement kernels registered). */
export async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  tf.enableProdMode();
  const attempt = await activateBackend(name, null);
  if (!attempt.ok) throw new Error(`could not activate ${name}: ${attempt.reason}`);
}

/** Asserts bit equality of two weight maps; returns the first differing name for messages. */
export function firstDifference(a: TensorMap, b: TensorMap): string | null {
  const names = Object.keys(a);
  if (names.join() !== Object.keys(b).join()) return `names differ: ${names.join()} vs ${Object.keys(b).join()}`;
  for (const n of names) {
    const x = new Uint32Array(a[n]!.data.buffer, a[n]!.data.byteOffset, a[n]!.data.length);
    const y = new Uint32Array(b[n]!.data.buffer, b[n]!.data.byteOffset, b[n]!.data.length);
    if (x.length !== y.length) return `${n}: length ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `${n}[${i}]: ${a[n]!.data[i]} vs ${b[n]!.data[i]}`;
  }
  return null;
}

/** Collects a run's events, each checked against the protocol schema after a JSON round trip (as IPC and --json send them). */
export class RecordingSink implements EventSink {
  readonly events: TrainerEvent[] = [];
  emit(event: TrainerEvent): void {
    const parsed = parseTrainerEvent(JSON.parse(JSON.stringify(event)));
    assert.ok(parsed.ok, `invalid event ${JSON.stringify(event)}: ${parsed.ok ? '' : parsed.error}`);
    this.events.push(event);
  }
  async close(): Promise<void> {}
  of<T extends TrainerEvent['type']>(type: T): Array<Extract<TrainerEvent, { type: T }>> {
    return this.events.filter((e): e is Extract<TrainerEvent, { type: T }> => e.type === type);
  }
}
