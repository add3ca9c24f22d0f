/**
 * Puts the BLAS matmul kernels over whatever the wasm backend has registered now (normally the
 * fast kernels of ../kernels/index.ts) and restores exactly that on unregister. Call after
 * `tf.setBackend('wasm')`, `tf.ready()` and `registerFastWasmKernels()`:
 *   const load = loadBlas(); if (load.ok) registerBlasKernels(load.blas);
 * Idempotent: a second call changes nothing but the BLAS used.
 */
import * as tf from '@tensorflow/tfjs';
import { blasBatchMatMul, blasFusedMatMul, type BlasKernelContext } from './kernels';
import type { Blas } from './types';

const BACKEND = 'wasm';

let activeBlas: Blas | null = null;
/** The configs ours replaced, by kernel name: fallbacks call them, unregister puts them back. */
const replaced = new Map<string, tf.KernelConfig>();

const context: BlasKernelContext = {
  blas() {
    if (!activeBlas) throw new Error('BLAS kernels: called after unregisterBlasKernels()');
    return activeBlas;
  },
  previous(kernelName) {
    const config = replaced.get(kernelName);
    if (!config) throw new Error(`BLAS kernels: no previous ${kernelName} kernel to fall back on`);
    return config.kernelFunc;
  },
};

const ours = new Map<string, tf.KernelFunc>([
  [tf.BatchMatMul, blasBatchMatMul(context, tf.BatchMatMul)],
  [tf._FusedMatMul, blasFusedMatMul(context, tf._FusedMatMul)],
]);

/** Registers the BLAS kernels on the wasm backend; returns their names. */
export function registerBlasKernels(blas: Blas): string[] {
  activeBlas = blas;
  for (const [kernelName, kernelFunc] of ours) {
    const current = tf.getKernel(kernelName, BACKEND);
    if (current?.kernelFunc === kernelFunc) continue;
    if (!current)
      throw new Error(
        `BLAS kernels: no ${kernelName} kernel on the wasm backend; is @tensorflow/tfjs-backend-wasm 4.22 loaded?`,
      );
    replaced.set(kernelName, current);
    tf.unregisterKernel(kernelName, BACKEND);
    // The replaced config's setupFunc (it binds the C++ entry points) stays with the name.
    tf.registerKernel({ ...current, kernelFunc });
  }
  return [...ours.keys()];
}

/** Restores the kernels registered before registerBlasKernels. */
export function unregisterBlasKernels(): void {
  for (const [kernelName, kernelFunc] of ours) {
    const current = tf.getKernel(kernelName, BACKEND);
    const previous = replaced.get(kernelName);
    if (current?.kernelFunc !== kernelFunc || !previous) continue;
    tf.unregisterKernel(kernelName, BACKEND);
    tf.registerKernel(previous);
    replaced.delete(kernelName);
  }
  activeBlas = null;
}

/** The BLAS the registered kernels use, or null. */
export function activeBlasKernels(): Blas | null {
  return activeBlas;
}
