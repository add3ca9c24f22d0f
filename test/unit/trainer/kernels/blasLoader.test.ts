import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { defaultBlasThreads, loadBlas } from '../../../../src/trainer/accel/blas';
import { requireKoffi } from '../../../../src/trainer/accel/blas/koffi';
import { blasCandidates } from '../../../../src/trainer/accel/blas/libraries';
import { tryBlasLibrary } from '../../../../src/trainer/accel/blas/loader';
import type { Blas } from '../../../../src/trainer/accel/blas';
import { randomData, rng } from './compare';

/** op(X)[i][j] of a row-major array with row stride ld. */
function at(x: Float32Array, trans: boolean, ld: number, i: number, j: number): number {
  return trans ? x[j * ld + i]! : x[i * ld + j]!;
}

function naiveSgemm(
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
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += at(a, transA, lda, i, p) * at(b, transB, ldb, p, j);
      c[i * ldc + j] = alpha * sum + beta * c[i * ldc + j]!;
    }
  }
}

describe('system BLAS loader (koffi)', function () {
  let blas: Blas;
  before(function () {
    const load = loadBlas();
    if (!load.ok) {
      console.warn(`    skipped: ${load.reason}`);
      this.skip();
    }
    blas = load.blas;
  });

  it('loads a BLAS by itself and names it', () => {
    assert.ok(blas.name.length > 0 && blas.library.length > 0);
    if (blas.name.startsWith('OpenBLAS')) assert.match(blas.name, /^OpenBLAS \d+\.\d+\.\d+ \S+$/);
  });

  it('sets the thread count where the library allows it', () => {
    for (const threads of [1, 2]) {
      const load = loadBlas({ threads });
      assert.ok(load.ok);
      assert.equal(load.blas.threads, threads);
    }
    const bad = loadBlas({ threads: 0 });
    assert.ok(!bad.ok && /positive integer/.test(bad.reason));
  });

  it('honours the library option, and a missing path fails with the path in the reason', function () {
    const missing = '/nonexistent/dir/libopenblas-missing.so';
    const load = loadBlas({ library: missing });
    assert.ok(!load.ok);
    assert.ok(load.reason.includes(missing), load.reason);

    // The very file the search loaded, given by absolute path (Linux: found in /proc/self/maps).
    if (process.platform !== 'linux') this.skip();
    const mapped = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .map((line) => line.split(/\s+/)[5] ?? '')
      .find((path) => /blas|mkl|blis/i.test(path));
    assert.ok(mapped, 'the loaded BLAS appears in /proc/self/maps');
    const byPath = loadBlas({ library: mapped, threads: 1 });
    assert.ok(byPath.ok, byPath.ok ? '' : byPath.reason);
    assert.equal(byPath.blas.library, mapped);
  });

  it('rejects a library without cblas_sgemm, and a generic name that is not OpenBLAS', function () {
    if (process.platform !== 'linux') this.skip();
    const koffi = requireKoffi();
    assert.ok(koffi.ok);
    const libc = tryBlasLibrary(koffi.koffi, 'libc.so.6', false, 1);
    assert.ok(!libc.ok && /libc\.so\.6.*does not export cblas_sgemm/.test(libc.reason), libc.ok ? '' : libc.reason);
    const notOpenBlas = tryBlasLibrary(koffi.koffi, 'libc.so.6', true, 1);
    assert.ok(!notOpenBlas.ok && /not OpenBLAS/.test(notOpenBlas.reason));
  });

  it('searches for the reference-BLAS name libblas.so.3 only as OpenBLAS', () => {
    const linux = blasCandidates('linux');
    assert.equal(linux[0]!.library, 'libopenblas.so.0');
    for (const c of linux) assert.equal(c.onlyIfOpenBlas, c.library === 'libblas.so.3', c.library);
    assert.ok(blasCandidates('darwin').some((c) => c.library.includes('Accelerate')));
  });

  it('sgemm matches a naive product for every transpose, with strides, offsets, alpha and beta', () => {
    const next = rng(41);
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const [m, n, k] = [5, 7, 9];
        const lda = (transA ? m : k) + 3;
        const ldb = (transB ? k : n) + 2;
        const ldc = n + 1;
        // Views at offsets inside one buffer, as the kernels take them from the wasm heap.
        const heap = randomData(next, [2000]);
        const a = heap.subarray(11, 11 + (transA ? k : m) * lda);
        const b = heap.subarray(400, 400 + (transB ? n : k) * ldb);
        const c = heap.subarray(900, 900 + m * ldc);
        const expected = Float32Array.from(c);
        naiveSgemm(transA, transB, m, n, k, 0.5, a, lda, b, ldb, 2, expected, ldc);
        const before = Float32Array.from(heap);
        blas.sgemm(transA, transB, m, n, k, 0.5, a, lda, b, ldb, 2, c, ldc);
        for (let i = 0; i < c.length; i++) {
          const padding = i % ldc >= n;
          const want = padding ? before[900 + i]! : expected[i]!;
          assert.ok(
            Math.abs(c[i]! - want) <= 1e-5 * Math.max(1, Math.abs(want)),
            `tA=${transA} tB=${transB} c[${i}] ${c[i]} vs ${want}`,
          );
        }
        // Nothing outside C was written.
        for (let i = 0; i < heap.length; i++) if (i < 900 || i >= 900 + c.length) assert.equal(heap[i], before[i]);
      }
    }
  });

  it('sgemm refuses views too short for their shape and stride instead of reading past them', () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    const c = new Float32Array(4);
    assert.throws(() => blas.sgemm(false, false, 2, 2, 3, 1, a.subarray(1), 3, b, 2, 0, c, 2), /A has 5 elements/);
    assert.throws(() => blas.sgemm(false, true, 2, 3, 3, 1, a, 3, b, 3, 0, c, 3), RangeError);
    assert.throws(() => blas.sgemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2), /lda 2/);
  });
});

describe('BLAS thread default', () => {
  it('leaves one core to the trainer thread, between 1 and 4 threads', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 8, 64].map((cores) => defaultBlasThreads(cores)),
      [1, 1, 2, 3, 4, 4],
    );
  });
});

describe('koffi missing or broken', () => {
  const failing = (code: string | undefined, message: string) => () => {
    throw Object.assign(new Error(message), { code });
  };

  it('a missing koffi is a reason to train without BLAS, not a crash', () => {
    const load = requireKoffi(
      failing('MODULE_NOT_FOUND', "Cannot find module 'koffi'\nRequire stack:\n- /x/trainer.js"),
    );
    assert.deepEqual(load, { ok: false, reason: 'koffi is not installed (optional dependency; npm install koffi)' });
  });

  it('a koffi whose native part fails to load says so in one line', () => {
    const load = requireKoffi(failing('ERR_DLOPEN_FAILED', 'koffi.node: invalid ELF header\nat Module._extensions'));
    assert.deepEqual(load, { ok: false, reason: 'koffi failed to load: koffi.node: invalid ELF header' });
  });
});
