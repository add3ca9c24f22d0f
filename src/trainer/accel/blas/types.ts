/** A system BLAS reached through koffi: only what the matmul kernels need. */
export interface Blas {
  /** What was loaded, e.g. "OpenBLAS 0.3.21 SkylakeX"; the library path when the library does not say. */
  readonly name: string;
  /** The path or file name given to the dynamic loader. */
  readonly library: string;
  /**
   * Threads per product: as read back from OpenBLAS, else as set through oneMKL's or BLIS's setter.
   * A library with no setter (Accelerate) picks its own count; this is then the count requested.
   */
  readonly threads: number;
  /**
   * C = alpha·op(A)·op(B) + beta·C, row-major (cblas_sgemm with CblasRowMajor); op(X) is X or Xᵀ.
   * op(A) is m×k, op(B) k×n, C m×n; lda/ldb/ldc are the row strides of the arrays as stored.
   * The views are passed to native code as pointers (no copy) and bounds-checked first.
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    lda: number,
    b: Float32Array,
    ldb: number,
    beta: number,
    c: Float32Array,
    ldc: number,
  ): void;
}

export interface BlasLoadOptions {
  /** A path or file name for the dynamic loader; skips the search (and the reference-BLAS check). */
  library?: string;
  /** Threads per product; default min(os.availableParallelism(), 4). */
  threads?: number;
}

export type BlasLoad = { ok: true; blas: Blas } | { ok: false; reason: string };
