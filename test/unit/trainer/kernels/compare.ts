/** Runs the same computation on the wasm backend (with the fast kernels) and on the cpu backend. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels } from '../../../../src/trainer/accel/kernels';
import { Rng } from '../../../../src/trainer/util/rng';

export async function useWasmWithFastKernels(): Promise<string[]> {
  tf.enableProdMode();
  await tf.setBackend('wasm');
  await tf.ready();
  return registerFastWasmKernels();
}

/** The trainer's seeded PRNG, so failures reproduce. */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

export function randomData(next: () => number, shape: number[]): Float32Array {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = next() * 2 - 1;
  return data;
}

export function randInt(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

interface Outcome {
  shapes: number[][];
  values: Float32Array[];
}

function run(fn: () => tf.Tensor | tf.Tensor[]): Outcome {
  return tf.tidy(() => {
    const out = fn();
    const list = Array.isArray(out) ? out : [out];
    return { shapes: list.map((t) => t.shape), values: list.map((t) => t.dataSync() as Float32Array) };
  });
}

/**
 * Asserts that `fn` gives the same shapes and values on wasm and cpu:
 * |wasm - cpu| <= tolerance * max(1, |cpu|) element by element.
 */
export async function assertSameOnCpu(
  label: string,
  fn: () => tf.Tensor | tf.Tensor[],
  tolerance: number,
): Promise<number> {
  const wasm = run(fn);
  await tf.setBackend('cpu');
  let cpu: Outcome;
  try {
    cpu = run(fn);
  } finally {
    await tf.setBackend('wasm');
  }
  assert.deepEqual(wasm.shapes, cpu.shapes, `${label}: shapes differ`);
  let worst = 0;
  wasm.values.forEach((values, t) => {
    const expected = cpu.values[t]!;
    for (let i = 0; i < values.length; i++) {
      const err = Math.abs(values[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!));
      if (!(err <= tolerance))
        assert.fail(
          `${label}: output ${t} element ${i}: wasm ${values[i]} vs cpu ${expected[i]} (error ${err} > ${tolerance})`,
        );
      worst = Math.max(worst, err);
    }
  });
  return worst;
}
