/** Shared by lstm.test.ts and gru.test.ts: random layer problems, loss and gradients, comparison, kernel counts. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { randomData, rng, useWasmWithFastKernels } from '../kernels/compare';

/**
 * Tolerance: every element of the loss and of each gradient within 1e-5 of the reference's largest
 * magnitude in that tensor (|a − ref| ≤ 1e-5 · max|ref|), so near-zero elements are not held to a
 * relative bound that float32 rounding of sums cannot meet. Seen: at most ~2.5e-6.
 */
export const TOLERANCE = 1e-5;

export interface Shape {
  batch: number;
  time: number;
  input: number;
  units: number;
  layers: number;
}

/** Small random shapes: batch 1, sequence 1, several layers. */
export const SHAPES: Shape[] = [
  { batch: 3, time: 5, input: 4, units: 6, layers: 1 },
  { batch: 1, time: 4, input: 3, units: 5, layers: 1 },
  { batch: 2, time: 1, input: 5, units: 4, layers: 1 },
  { batch: 1, time: 1, input: 2, units: 3, layers: 1 },
  { batch: 4, time: 6, input: 5, units: 7, layers: 3 },
  { batch: 2, time: 9, input: 8, units: 16, layers: 2 },
];

export interface Weights {
  kernel: tf.Tensor2D;
  recurrent: tf.Tensor2D;
  bias: tf.Tensor1D;
}

export type Layer = (seq: tf.Tensor3D, w: Weights) => tf.Tensor3D;

export interface Problem {
  seq: tf.Tensor3D;
  weights: Weights[];
  /** Random weights of the output sequence: the loss is sum(out · readout), so dy is random too. */
  readout: tf.Tensor3D;
}

export async function useBackend(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'wasm') {
    await useWasmWithFastKernels();
    return;
  }
  tf.enableProdMode();
  await tf.setBackend('cpu');
}

export function problem(shape: Shape, gates: number, seed: number): Problem {
  const next = rng(seed);
  const weights: Weights[] = [];
  let width = shape.input;
  const u = shape.units;
  for (let l = 0; l < shape.layers; l++) {
    weights.push({
      kernel: tf.tensor2d(randomData(next, [width, gates * u]), [width, gates * u]),
      recurrent: tf.tensor2d(
        randomData(next, [u, gates * u]).map((v) => v * 0.8),
        [u, gates * u],
      ),
      bias: tf.tensor1d(randomData(next, [gates * u]).map((v) => v * 0.5)),
    });
    width = u;
  }
  const seq = tf.tensor3d(
    randomData(next, [shape.batch, shape.time, shape.input]).map((v) => v * 2),
    [shape.batch, shape.time, shape.input],
  );
  const readout = tf.tensor3d(randomData(next, [shape.batch, shape.time, u]), [shape.batch, shape.time, u]);
  return { seq, weights, readout };
}

/** The loss and its gradient for the input and every weight: [loss, d input, then kernel, recurrent, bias per layer]. */
export function lossAndGrads(p: Problem, layer: Layer): Float32Array[] {
  return tf.tidy(() => {
    const inputs: tf.Tensor[] = [p.seq, ...p.weights.flatMap((w) => [w.kernel, w.recurrent, w.bias])];
    const f = (...xs: tf.Tensor[]): tf.Scalar => {
      let seq = xs[0] as tf.Tensor3D;
      for (let l = 0; l < p.weights.length; l++) {
        const [kernel, recurrent, bias] = xs.slice(1 + 3 * l, 4 + 3 * l) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
        seq = layer(seq, { kernel, recurrent, bias });
      }
      return tf.sum(tf.mul(seq, p.readout));
    };
    const { value, grads } = tf.valueAndGrads(f)(inputs);
    return [value, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

export function assertClose(label: string, actual: Float32Array[], expected: Float32Array[]): void {
  assert.equal(actual.length, expected.length);
  expected.forEach((ref, k) => {
    const got = actual[k]!;
    assert.equal(got.length, ref.length, `${label} tensor ${k}: length`);
    const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (scale === 0) {
      // Only the recurrent kernel's gradient with one time step (h₀ = 0) is legitimately all zero.
      assert.ok(
        got.every((v) => v === 0),
        `${label} tensor ${k}: reference is all zero, fused is not`,
      );
      return;
    }
    for (let i = 0; i < ref.length; i++) {
      const err = Math.abs(got[i]! - ref[i]!) / scale;
      if (!(err <= TOLERANCE))
        assert.fail(
          `${label} tensor ${k} (0 = loss, 1 = d input, then kernel, recurrent, bias per layer) element ${i}: ${got[i]} vs ${ref[i]} (error ${err})`,
        );
    }
  });
}

export function dispose(p: Problem): void {
  tf.dispose([p.seq, p.readout, ...p.weights.flatMap((w) => [w.kernel, w.recurrent, w.bias])]);
}

/** Kernel calls by name for the loss and gradients of one layer over `time` steps. */
export async function kernelCalls(layer: Layer, gates: number, time: number): Promise<Map<string, number>> {
  const p = problem({ batch: 2, time, input: 3, units: 4, layers: 1 }, gates, 7);
  const info = await tf.profile(() => {
    lossAndGrads(p, layer);
  });
  dispose(p);
  const counts = new Map<string, number>();
  for (const k of info.kernels) counts.set(k.name, (counts.get(k.name) ?? 0) + 1);
  return counts;
}

/** Asserts how many more calls of each named kernel 8 time steps take than 3, and none more of any other. */
export async function assertCallsPerStep(layer: Layer, gates: number, perStep: Record<string, number>): Promise<void> {
  const short = await kernelCalls(layer, gates, 3);
  const long = await kernelCalls(layer, gates, 8);
  for (const name of new Set([...long.keys(), ...short.keys()])) {
    const extra = ((long.get(name) ?? 0) - (short.get(name) ?? 0)) / 5;
    assert.equal(extra, perStep[name] ?? 0, `${name}: calls per time step`);
  }
}
