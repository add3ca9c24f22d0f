/** Shared by the optimizer tests: seeded random parameters and gradients, and bitwise comparison. */
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../../../src/core/config/types';
import type { Param } from '../../../../src/trainer/models/types';
import { Rng } from '../../../../src/trainer/util/rng';

export const BASE_CONFIG: OptimizerConfig = {
  type: 'sgd',
  learning_rate: 0.01,
  momentum: 0.9,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
  weight_decay: 0.05,
  rho: 0.9,
  clip_norm: null,
};

/** Every optimizer and option the fused path covers. */
export const VARIANTS: Array<[string, OptimizerConfig]> = [
  ['sgd', { ...BASE_CONFIG, type: 'sgd' }],
  ['momentum', { ...BASE_CONFIG, type: 'momentum' }],
  ['nesterov momentum', { ...BASE_CONFIG, type: 'momentum', nesterov: true }],
  ['adam', { ...BASE_CONFIG, type: 'adam' }],
  ['adam, large epsilon', { ...BASE_CONFIG, type: 'adam', beta2: 0.99, epsilon: 1e-3 }],
  ['adamw with weight decay', { ...BASE_CONFIG, type: 'adamw' }],
  ['adamw without weight decay', { ...BASE_CONFIG, type: 'adamw', weight_decay: 0 }],
  ['rmsprop with momentum', { ...BASE_CONFIG, type: 'rmsprop' }],
  ['rmsprop without momentum', { ...BASE_CONFIG, type: 'rmsprop', momentum: 0, rho: 0.8 }],
];

/** A matrix, a vector, a single element and a rank-3 tensor. */
export const SHAPES = [[9, 7], [13], [1], [3, 4, 2]];

function randomArray(rng: Rng, size: number, scale: number): Float32Array {
  const out = new Float32Array(size);
  // About one element in eight is exactly zero (Adam's v stays 0 there: sqrt(0) + eps).
  for (let i = 0; i < size; i++) out[i] = rng.next() < 0.125 ? 0 : rng.normal() * scale;
  return out;
}

const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Fresh variables with the same seeded values each call (tidy: the variables alone hold their data). */
export function randomParams(seed: number, prefix = 'p'): Param[] {
  const rng = new Rng(seed);
  return tf.tidy(() =>
    SHAPES.map((shape, i) => ({
      name: `${prefix}${i}`,
      variable: tf.variable(
        tf.tensor(randomArray(rng, sizeOf(shape), 1), shape),
        true,
        `${prefix}${i}_${seed}_${nextId++}`,
      ),
    })),
  );
}
let nextId = 0;

/** Gradients for one step, with magnitudes from 1e-4 to 10 so every term of every update matters. */
export function randomGrads(rng: Rng): tf.Tensor[] {
  return SHAPES.map((shape) => tf.tensor(randomArray(rng, sizeOf(shape), 10 ** (rng.next() * 5 - 4)), shape));
}

/** A learning rate for step t that changes every step, as a scheduler's would. */
export function learningRateAt(rng: Rng): number {
  return 0.001 + rng.next() * 0.05;
}

/** Largest difference in units in the last place (float32) between two arrays; 0 when bit-identical. */
export function maxUlpDifference(a: Float32Array | Int32Array, b: Float32Array | Int32Array): number {
  if (a.length !== b.length) return Infinity;
  const ia = new Int32Array(a.buffer, a.byteOffset, a.length);
  const ib = new Int32Array(b.buffer, b.byteOffset, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    // Map the sign-magnitude float bits onto a monotonic integer line.
    const x = ia[i]! < 0 ? -2147483648 - ia[i]! : ia[i]!;
    const y = ib[i]! < 0 ? -2147483648 - ib[i]! : ib[i]!;
    worst = Math.max(worst, Math.abs(x - y));
  }
  return worst;
}

export function disposeParams(params: Param[]): void {
  for (const p of params) p.variable.dispose();
}
