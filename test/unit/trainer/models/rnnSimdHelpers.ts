/** Shared by lstmSimd.test.ts and gruSimd.test.ts: random arrays, tensors on the wasm heap with SIMD loops, and the largest difference. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, heapF32 } from '../../../../src/trainer/accel/kernels/wasmBackend';
import { type LoopFunctions, type SimdModule, wasmBackendMemory } from '../../../../src/trainer/accel/simd/heapModules';
import type { Rng } from '../../../../src/trainer/util/rng';

/** Widths with and without a remainder of 4, and one with only a remainder. */
export const WIDTHS = [1, 3, 4, 5, 8, 13, 64];

export function random(rng: Rng, n: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * scale;
  return out;
}

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** max |a − b| over elements; Infinity when either has a NaN the other lacks. */
export function maxDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Tensors of `arrays` on the wasm heap, their views (taken after every allocation) and `module`'s loops for that heap. */
export function onHeap<Name extends string>(module: SimdModule<Name>, arrays: Array<[Float32Array, number[]]>) {
  const tensors = arrays.map(([values, shape]) => tf.tensor(values, shape));
  const backend = asWasmBackend(tf.backend());
  const memory = wasmBackendMemory(backend.wasm);
  assert.ok(memory, 'no wasm memory');
  module.register(memory);
  const loops: LoopFunctions<Name> | null = module.for(memory.buffer);
  assert.ok(loops, 'no SIMD loops for the wasm heap');
  return { tensors, views: tensors.map((t) => heapF32(backend, t)), loops };
}

/** Asserts every output is within `tolerance` of each reference's. */
export function assertAllClose(
  outputs: Float32Array[],
  references: Record<string, Float32Array[]>,
  tolerance: number,
): void {
  for (const [name, expected] of Object.entries(references)) {
    outputs.forEach((got, k) => {
      const d = maxDifference(got, expected[k]!);
      assert.ok(d <= tolerance, `output ${k} vs ${name}: ${d}`);
    });
  }
}
