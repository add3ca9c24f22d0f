/** Runs a computation on the cpu and the wasm backends and compares outputs element by element. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels } from '../../../../../src/trainer/accel/kernels';
import { loadBlas, registerBlasKernels, unregisterBlasKernels } from '../../../../../src/trainer/accel/blas';

export async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T | Promise<T>): Promise<T> {
  tf.enableProdMode();
  const previous = tf.getBackend();
  await tf.setBackend(name);
  await tf.ready();
  try {
    return await fn();
  } finally {
    if (previous && previous !== name) await tf.setBackend(previous);
  }
}

/** Values of every output, read inside a tidy so nothing leaks. */
export function values(fn: () => tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => fn().map((t) => t.dataSync() as Float32Array));
}

/** |actual − expected| ≤ tolerance·max(1, |expected|) for every element; returns the worst error. */
export function assertClose(
  label: string,
  actual: Float32Array[],
  expected: Float32Array[],
  tolerance: number,
): number {
  assert.equal(actual.length, expected.length, `${label}: output counts differ`);
  let worst = 0;
  actual.forEach((a, t) => {
    const e = expected[t]!;
    assert.equal(a.length, e.length, `${label}: output ${t} sizes differ`);
    for (let i = 0; i < a.length; i++) {
      const err = Math.abs(a[i]! - e[i]!) / Math.max(1, Math.abs(e[i]!));
      if (!(err <= tolerance))
        assert.fail(`${label}: output ${t} element ${i}: ${a[i]} vs ${e[i]} (error ${err} > ${tolerance})`);
      worst = Math.max(worst, err);
    }
  });
  return worst;
}

/** Kernel names run by `fn`, to check which path (fused or op by op) was taken. */
export async function kernelsRun(fn: () => tf.Tensor): Promise<string[]> {
  const info = await tf.profile(() => fn());
  return info.kernels.map((k) => k.name);
}

/**
 * Mocha hooks for the enclosing describe: wasm with the fast and the BLAS matmul kernels (1 thread),
 * skipped with the loader's reason where no BLAS loads; the BLAS kernels are removed afterwards.
 */
export function useWasmWithBlasKernels(): void {
  before(async function () {
    const load = loadBlas({ threads: 1 });
    if (!load.ok) {
      console.warn(`    skipped: ${load.reason}`);
      this.skip();
    }
    await onBackend('wasm', () => {
      registerFastWasmKernels();
      registerBlasKernels(load.blas);
    });
  });
  after(() => unregisterBlasKernels());
}
