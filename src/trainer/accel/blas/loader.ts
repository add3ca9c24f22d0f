/**
 * Finds and opens a system BLAS through koffi:
 *   const load = loadBlas();            // search the usual libraries, min(cores, 4) threads
 *   if (load.ok) registerBlasKernels(load.blas); else log(load.reason);
 * Never throws for a missing koffi or library: the reason says what is missing and how to get it.
 */
import { availableParallelism } from 'node:os';
import { type Koffi, type NativeFunction, type NativeLibrary, firstLine, optionalFunc, requireKoffi } from './koffi';
import { blasCandidates, installHint } from './libraries';
import type { Blas, BlasLoad, BlasLoadOptions } from './types';

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;
const SGEMM =
  'void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc)';

/** Thread-count setters, in the order tried (OpenBLAS, oneMKL, BLIS, whose dim_t is 64-bit). */
const THREAD_SETTERS = [
  'void openblas_set_num_threads(int n)',
  'void MKL_Set_Num_Threads(int n)',
  'void bli_thread_set_num_threads(int64_t n)',
];

/**
 * One core is left to the trainer's own thread, which runs everything but the products in wasm
 * between BLAS calls (and to the editor): on 2 cores a second OpenBLAS thread spinning in wait
 * made steps no faster and often slower (MLP 110-167 vs 132-177 steps/s with 1).
 */
export function defaultBlasThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(4, cores - 1));
}

export function loadBlas(options: BlasLoadOptions = {}): BlasLoad {
  const threads = options.threads ?? defaultBlasThreads();
  if (!Number.isInteger(threads) || threads < 1)
    return { ok: false, reason: `BLAS threads must be a positive integer, got ${threads}` };
  const koffi = requireKoffi();
  if (!koffi.ok) return koffi;
  if (options.library !== undefined) return tryBlasLibrary(koffi.koffi, options.library, false, threads);
  const tried: string[] = [];
  for (const candidate of blasCandidates(process.platform)) {
    const opened = open(koffi.koffi, candidate.library, candidate.onlyIfOpenBlas, threads);
    if (opened.ok) return opened;
    tried.push(`${candidate.library}: ${opened.why}`);
  }
  return { ok: false, reason: `no BLAS library found (tried ${tried.join('; ')}): ${installHint(process.platform)}` };
}

/** One library; `onlyIfOpenBlas` rejects anything that is not OpenBLAS (for generic names such as libblas.so.3). */
export function tryBlasLibrary(koffi: Koffi, library: string, onlyIfOpenBlas: boolean, threads: number): BlasLoad {
  const opened = open(koffi, library, onlyIfOpenBlas, threads);
  return opened.ok ? opened : { ok: false, reason: `BLAS library ${library} cannot be used: ${opened.why}` };
}

type Opened = { ok: true; blas: Blas } | { ok: false; why: string };

function open(koffi: Koffi, library: string, onlyIfOpenBlas: boolean, threads: number): Opened {
  let lib: NativeLibrary;
  try {
    lib = koffi.load(library);
  } catch (error) {
    return { ok: false, why: firstLine((error as Error).message) };
  }
  // Failed candidates are not unloaded: dlclose of a library whose threads may have started is unsafe, and a handle costs nothing.
  const openblasConfig = optionalFunc(lib, 'const char *openblas_get_config(void)');
  if (onlyIfOpenBlas && !openblasConfig) return { ok: false, why: 'not OpenBLAS (could be the slow reference BLAS)' };
  const sgemm = optionalFunc(lib, SGEMM);
  if (!sgemm) return { ok: false, why: 'does not export cblas_sgemm' };
  return {
    ok: true,
    blas: makeBlas(library, describe(lib, library, openblasConfig), applyThreads(lib, threads), sgemm),
  };
}

/** Sets the thread count where the library allows it; returns the count in effect as far as known. */
function applyThreads(lib: NativeLibrary, threads: number): number {
  for (const signature of THREAD_SETTERS) {
    const set = optionalFunc(lib, signature);
    if (!set) continue;
    set(threads);
    const get = signature.includes('openblas') ? optionalFunc(lib, 'int openblas_get_num_threads(void)') : null;
    return get ? (get() as number) : threads;
  }
  return threads;
}

function describe(lib: NativeLibrary, library: string, openblasConfig: NativeFunction | null): string {
  if (openblasConfig) {
    // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64" -> "OpenBLAS 0.3.21 SkylakeX"
    const config = String(openblasConfig());
    const core = optionalFunc(lib, 'const char *openblas_get_corename(void)');
    const [product, version] = config.split(' ');
    return core && product && version ? `${product} ${version} ${String(core())}` : config;
  }
  const blisVersion = optionalFunc(lib, 'const char *bli_info_get_version_str(void)');
  if (blisVersion) return `BLIS ${String(blisVersion())}`;
  return library;
}

function makeBlas(library: string, name: string, threads: number, cblasSgemm: NativeFunction): Blas {
  return {
    name,
    library,
    threads,
    sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      checkSizes(m, n, k);
      checkOperand('A', a, transA ? k : m, transA ? m : k, lda);
      checkOperand('B', b, transB ? n : k, transB ? k : n, ldb);
      checkOperand('C', c, m, n, ldc);
      if (m === 0 || n === 0) return;
      cblasSgemm(
        ROW_MAJOR,
        transA ? TRANS : NO_TRANS,
        transB ? TRANS : NO_TRANS,
        m,
        n,
        k,
        alpha,
        a,
        lda,
        b,
        ldb,
        beta,
        c,
        ldc,
      );
    },
  };
}

function checkSizes(m: number, n: number, k: number): void {
  for (const [label, v] of [
    ['m', m],
    ['n', n],
    ['k', k],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff)
      throw new RangeError(`sgemm: ${label} must be a non-negative 32-bit integer, got ${v}`);
  }
}

/** Native code trusts these numbers: a short view would be read or written out of bounds. */
function checkOperand(label: string, view: Float32Array, rows: number, cols: number, ld: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols) || ld > 0x7fffffff)
    throw new RangeError(
      `sgemm: ld${label.toLowerCase()} ${ld} is less than the ${cols} columns of ${label} as stored`,
    );
  const needed = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (view.length < needed)
    throw new RangeError(
      `sgemm: ${label} has ${view.length} elements, ${rows}x${cols} with stride ${ld} needs ${needed}`,
    );
}
