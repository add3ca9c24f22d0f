/**
 * A tfjs BatchMatMul (batch dims broadcast, either side transposed) as cblas_sgemm calls on views
 * of the wasm heap: transposes are BLAS flags, never materialised, and nothing is copied.
 */
import { type TensorInfo, broadcast_util } from '@tensorflow/tfjs';
import { type WasmBackend, sizeOf, tensorData } from '../kernels/wasmBackend';
import { broadcastIndex } from './broadcastIndex';
import type { Blas } from './types';

export interface GemmPlan {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  /** Output batches (the broadcast of both batch shapes). */
  batch: number;
  /** For each output batch, the batch of a (of b) it reads; null means "the same index". */
  aBatchOf: Int32Array | null;
  bBatchOf: Int32Array | null;
  /** Every output batch reads the same b: with an untransposed a, all batches fold into one product. */
  sharedB: boolean;
  outShape: number[];
}

/** Null when the previous kernel should run (non-float32, rank < 2, mismatched inner sizes). */
export function planGemm(a: TensorInfo, b: TensorInfo, transA: boolean, transB: boolean): GemmPlan | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) return null; // the previous kernel reports the mismatch
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchShape = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = sizeOf(batchShape);
  return {
    m,
    k,
    n,
    transA,
    transB,
    batch,
    aBatchOf: broadcastIndex(outerA, batchShape),
    bBatchOf: broadcastIndex(outerB, batchShape),
    sharedB: sizeOf(outerB) === 1,
    outShape: [...batchShape, m, n],
  };
}

/**
 * Runs the plan into `out` (already made with `plan.outShape`). Views are taken here, after every
 * allocation. With `accumulate` the products are added to what `out` holds (BLAS beta = 1).
 */
export function runGemm(
  blas: Blas,
  backend: WasmBackend,
  plan: GemmPlan,
  a: TensorInfo,
  b: TensorInfo,
  out: TensorInfo,
  accumulate = false,
): Float32Array {
  const { m, k, n, transA, transB, batch } = plan;
  const heap = backend.wasm.HEAPU8.buffer;
  const outAll = new Float32Array(heap, tensorData(backend, out).memoryOffset, batch * m * n);
  if (outAll.length === 0) return outAll;
  if (k === 0) {
    if (!accumulate) outAll.fill(0); // an empty sum (the heap is not zeroed, and XNNPACK refuses k = 0)
    return outAll;
  }
  const beta = accumulate ? 1 : 0;
  const aAll = new Float32Array(heap, tensorData(backend, a).memoryOffset, sizeOf(a.shape));
  const bAll = new Float32Array(heap, tensorData(backend, b).memoryOffset, sizeOf(b.shape));
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  if (batch === 1 || (plan.sharedB && !transA && plan.aBatchOf === null)) {
    // One product: the batches of an untransposed a against one b are just more rows.
    blas.sgemm(transA, transB, batch * m, n, k, 1, aAll, lda, bAll, ldb, beta, outAll, n);
    return outAll;
  }
  const aSize = m * k;
  const bSize = k * n;
  const outSize = m * n;
  for (let i = 0; i < batch; i++) {
    const ai = plan.aBatchOf ? plan.aBatchOf[i]! : i;
    const bi = plan.bBatchOf ? plan.bBatchOf[i]! : i;
    blas.sgemm(
      transA,
      transB,
      m,
      n,
      k,
      1,
      aAll.subarray(ai * aSize, ai * aSize + aSize),
      lda,
      bAll.subarray(bi * bSize, bi * bSize + bSize),
      ldb,
      beta,
      outAll.subarray(i * outSize, i * outSize + outSize),
      n,
    );
  }
  return outAll;
}
