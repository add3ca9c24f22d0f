/**
 * Throughput of each model on the embedded backends (a benchmark, not a test).
 * Run: npx tsx src/trainer/bench/benchModels.ts [cpu|wasm ...] [--seconds 5]
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_CHECKPOINT_OPTIONS } from '../../core/checkpoint/types';
import type { TrainConfig } from '../../core/config/types';
import { selectBackend } from '../backend/selectBackend';
import { TrainingSession } from '../loop/session';

const text = { type: 'synthetic_text', length: 20000, seed: 1, seq_len: 64 } as const;
const CASES: Array<[string, Pick<TrainConfig, 'model' | 'data' | 'batch_size'>]> = [
  ['mlp 20-64-64-4 b32 (example)', { model: { type: 'mlp', hidden: [64, 64], activation: 'relu', dropout: 0 }, data: { type: 'synthetic_classification', samples: 4096, features: 20, classes: 4, noise: 0.1, seed: 1 }, batch_size: 32 }],
  ['mlp 784-512-512-10 b128', { model: { type: 'mlp', hidden: [512, 512], activation: 'relu', dropout: 0 }, data: { type: 'synthetic_classification', samples: 2048, features: 784, classes: 10, noise: 0.1, seed: 1 }, batch_size: 128 }],
  ['char_lm gru emb32 u128 seq64 b32', { model: { type: 'char_lm', cell: 'gru', embedding_dim: 32, units: 128, layers: 1, dropout: 0 }, data: text, batch_size: 32 }],
  ['char_lm lstm emb32 u128 seq64 b32', { model: { type: 'char_lm', cell: 'lstm', embedding_dim: 32, units: 128, layers: 1, dropout: 0 }, data: text, batch_size: 32 }],
  ['transformer 2x d64 h4 ff256 seq64 b32', { model: { type: 'transformer', d_model: 64, heads: 4, ff_dim: 256, blocks: 2, dropout: 0 }, data: text, batch_size: 32 }],
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const seconds = Number(args[args.indexOf('--seconds') + 1]) || 5;
  const backends = args.filter((a) => a === 'cpu' || a === 'wasm');
  for (const backend of backends.length ? backends : ['cpu', 'wasm']) {
    await selectBackend({ backend: backend as 'cpu' | 'wasm', device: null });
    for (const [label, c] of CASES) {
      const config = {
        ...DEFAULT_CHECKPOINT_OPTIONS, ...c, seed: 1, max_steps: 100000,
        optimizer: { type: 'adam', learning_rate: 1e-3, momentum: 0, nesterov: false, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weight_decay: 0, rho: 0.9, clip_norm: null },
        scheduler: { type: 'constant', warmup_steps: 0, decay_steps: null, step_size: 1, gamma: 1, min_lr: 0 },
        metric_for_best_model: null, greater_is_better: false, eval_split: null, eval_data: null,
      } as const;
      const session = TrainingSession.create(config);
      for (let i = 0; i < 2; i++) session.trainStep();
      const times: number[] = [];
      const end = performance.now() + seconds * 1000;
      while (performance.now() < end || times.length < 3) {
        const t = performance.now();
        session.trainStep();
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      console.log(`${backend.padEnd(5)} ${label.padEnd(40)} ${(1000 / median).toFixed(2).padStart(8)} steps/s (median of ${times.length})`);
      session.dispose();
    }
  }
  console.log(`tfjs ${tf.version.tfjs}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
