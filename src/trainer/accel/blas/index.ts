/**
 * Matmul kernels for the wasm backend backed by the system BLAS (OpenBLAS, oneMKL, BLIS,
 * Accelerate) through koffi, an optional dependency that is required only by `loadBlas`.
 */
export { loadBlas, defaultBlasThreads } from './loader';
export { registerBlasKernels, unregisterBlasKernels, activeBlasKernels } from './register';
export type { Blas, BlasLoad, BlasLoadOptions } from './types';
