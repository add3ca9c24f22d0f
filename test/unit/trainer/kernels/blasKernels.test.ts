import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { type Blas, loadBlas, registerBlasKernels, unregisterBlasKernels } from '../../../../src/trainer/accel/blas';
import { assertSameOnCpu, randInt, randomData, rng, useWasmWithFastKernels } from './compare';
import { type BatchPairs, type MatMulCase, matMulCases, matMulOperands } from './matMulCases';

/** Relative tolerance (to max(1, |cpu|)) for float32 products of inner size <= 64 summed in another order. */
const TOLERANCE = 1e-5;

// Broadcasts the cpu backend gets right (it indexes batches modulo their count): equal, one side 1 or absent.
const BATCHES: BatchPairs = [
  [[], []],
  [[3], [3]],
  [
    [2, 3],
    [2, 3],
  ],
  [[4], []],
  [[], [4]],
  [
    [2, 2],
    [1, 2],
  ],
  [[5], [1]],
  [[1], [3]],
];

const name = (c: MatMulCase) =>
  `a[${c.batchA}] b[${c.batchB}] m${c.m} k${c.k} n${c.n} tA=${c.transposeA} tB=${c.transposeB}`;

interface SgemmCall {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
}

/** The loaded BLAS with a log of its sgemm calls. */
function recording(blas: Blas, calls: SgemmCall[]): Blas {
  return {
    name: blas.name,
    library: blas.library,
    threads: blas.threads,
    sgemm(transA, transB, m, n, k, ...rest) {
      calls.push({ transA, transB, m, n, k });
      blas.sgemm(transA, transB, m, n, k, ...rest);
    },
  };
}

describe('BLAS BatchMatMul / _FusedMatMul on the wasm backend', function () {
  this.timeout(60000);
  let blas: Blas;
  const calls: SgemmCall[] = [];

  before(async function () {
    const load = loadBlas();
    if (!load.ok) {
      console.warn(`    skipped: ${load.reason}`);
      this.skip();
    }
    blas = load.blas;
    await useWasmWithFastKernels();
    assert.deepEqual(registerBlasKernels(recording(blas, calls)), ['BatchMatMul', '_FusedMatMul']);
  });
  beforeEach(() => {
    calls.length = 0;
  });
  after(() => unregisterBlasKernels());

  it('matches the cpu backend forward and backward on random shapes, all transposes and batches (broadcast included)', async () => {
    for (const [i, c] of matMulCases(1, BATCHES).entries()) {
      await assertSameOnCpu(
        `matMul ${name(c)}`,
        () => {
          const [a, b] = matMulOperands(c, 100 + i);
          const out = tf.matMul(a, b, c.transposeA, c.transposeB);
          // tfjs-core's matMul gradient does not reduce broadcast batches (on any backend): gradients only for equal batches.
          if (c.batchA.join() !== c.batchB.join()) return out;
          const weight = tf.tensor(randomData(rng(7), out.shape), out.shape);
          const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
            tf.sum(tf.mul(tf.matMul(x, y, c.transposeA, c.transposeB), weight)),
          )([a, b]);
          return [out, ...grads];
        },
        TOLERANCE,
      );
    }
    assert.ok(calls.length > 0, 'the BLAS did the products');
  });

  it('broadcasts batch dims both ways ([2,1] x [1,3]) like explicitly tiled operands', async () => {
    const next = rng(3);
    const a = tf.tensor(randomData(next, [2, 1, 4, 6]), [2, 1, 4, 6]);
    const b = tf.tensor(randomData(next, [1, 3, 5, 6]), [1, 3, 5, 6]);
    const broadcast = tf.matMul(a, b, false, true);
    const tiled = tf.matMul(tf.tile(a, [1, 3, 1, 1]), tf.tile(b, [2, 1, 1, 1]), false, true);
    assert.deepEqual(broadcast.shape, [2, 3, 4, 5]);
    assert.deepEqual(broadcast.dataSync(), tiled.dataSync());
    tf.dispose([a, b, broadcast, tiled]);
  });

  it('passes transposes to the BLAS as flags and folds a batch against a shared right-hand side into one product', () => {
    tf.tidy(() => {
      const next = rng(4);
      tf.matMul(
        tf.tensor(randomData(next, [7, 5]), [7, 5]),
        tf.tensor(randomData(next, [3, 7]), [3, 7]),
        true,
        true,
      ).dataSync();
      assert.deepEqual(calls, [{ transA: true, transB: true, m: 5, n: 3, k: 7 }]);

      calls.length = 0;
      tf.matMul(
        tf.tensor(randomData(next, [4, 6, 5]), [4, 6, 5]),
        tf.tensor(randomData(next, [3, 5]), [3, 5]),
        false,
        true,
      ).dataSync();
      assert.deepEqual(calls, [{ transA: false, transB: true, m: 24, n: 3, k: 5 }], 'one product of 4 x 6 rows');

      calls.length = 0;
      tf.matMul(
        tf.tensor(randomData(next, [4, 5, 6]), [4, 5, 6]),
        tf.tensor(randomData(next, [5, 3]), [5, 3]),
        true,
        false,
      ).dataSync();
      assert.equal(calls.length, 4, 'a transposed batch cannot fold: one product per batch');
    });
  });

  it('fused matmul: bias [n], [1,n], scalar, full and per row, every activation, all transposes', async () => {
    const next = rng(5);
    const [m, k, n] = [randInt(next, 2, 20), randInt(next, 1, 64), randInt(next, 2, 20)];
    const biasShapes = [[n], [1, n], [1], [m, n], [m, 1]];
    const activations = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'prelu', 'sigmoid'] as const;
    for (const [bi, biasShape] of biasShapes.entries()) {
      for (const [ai, activation] of activations.entries()) {
        for (const [transposeA, transposeB] of [
          [false, false],
          [true, false],
          [false, true],
          [true, true],
        ] as const) {
          const seed = 1000 + bi * 100 + ai * 10 + Number(transposeA) * 2 + Number(transposeB);
          calls.length = 0;
          await assertSameOnCpu(
            `fused ${activation} bias[${biasShape}] tA=${transposeA} tB=${transposeB}`,
            () => {
              const r = rng(seed);
              const a = tf.tensor(randomData(r, transposeA ? [k, m] : [m, k]), transposeA ? [k, m] : [m, k]);
              const b = tf.tensor(randomData(r, transposeB ? [n, k] : [k, n]), transposeB ? [n, k] : [k, n]);
              const bias = tf.tensor(randomData(r, biasShape), biasShape);
              const preluActivationWeights =
                activation === 'prelu'
                  ? tf.tensor(
                      randomData(r, [n]).map((v) => v * 0.5),
                      [n],
                    )
                  : undefined;
              return tf.fused.matMul({
                a,
                b,
                transposeA,
                transposeB,
                bias,
                activation,
                preluActivationWeights,
                leakyreluAlpha: 0.3,
              });
            },
            4 * TOLERANCE,
          );
          assert.equal(calls.length, 1, `bias [${biasShape}]: one BLAS product`);
        }
      }
    }
  });

  it('fused matmul with a batched left-hand side and prelu weights per element', async () => {
    await assertSameOnCpu(
      'fused prelu batch',
      () => {
        const r = rng(6);
        const a = tf.tensor(randomData(r, [3, 4, 8]), [3, 4, 8]);
        const b = tf.tensor(randomData(r, [8, 5]), [8, 5]);
        const bias = tf.tensor(randomData(r, [5]), [5]);
        const alpha = tf.tensor(randomData(r, [3, 4, 5]), [3, 4, 5]);
        return tf.fused.matMul({ a, b, bias, activation: 'prelu', preluActivationWeights: alpha });
      },
      4 * TOLERANCE,
    );
  });

  it('gradients through tf.grads of a small dense net (fused relu layer, then a linear one) match the cpu backend', async () => {
    const worst = await assertSameOnCpu(
      'dense net gradients',
      () => {
        const r = rng(8);
        const x = tf.tensor(randomData(r, [16, 20]), [16, 20]);
        const target = tf.tensor(randomData(r, [16, 5]), [16, 5]);
        const params = [
          tf.tensor(randomData(r, [20, 32]), [20, 32]),
          tf.tensor(randomData(r, [32]), [32]),
          tf.tensor(randomData(r, [32, 5]), [32, 5]),
          tf.tensor(randomData(r, [5]), [5]),
        ];
        const loss = (w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
          const hidden = tf.fused.matMul({ a: x, b: w1 as tf.Tensor2D, bias: b1, activation: 'relu' });
          const y = tf.fused.matMul({ a: hidden, b: w2 as tf.Tensor2D, bias: b2 });
          return tf.mean(tf.square(tf.sub(y, target)));
        };
        const { value, grads } = tf.valueAndGrads(loss)(params);
        return [value, ...grads];
      },
      1e-4,
    );
    assert.ok(worst < 1e-4);
  });

  it('gives zeros for an empty inner dimension and empty outputs for an empty outer one', async () => {
    await assertSameOnCpu(
      'k = 0',
      () => [
        tf.matMul(tf.ones([2, 3, 0]), tf.ones([0, 2])),
        tf.fused.matMul({ a: tf.ones([3, 0]), b: tf.ones([0, 2]), bias: tf.ones([2]) }),
      ],
      0,
    );
    await assertSameOnCpu('m = 0', () => tf.matMul(tf.ones([0, 4]), tf.ones([4, 2])), 0);
    assert.equal(calls.length, 0, 'no BLAS call for an empty sum');
  });

  it('passes an activation it does not know to the previous kernel instead of treating it as linear', () => {
    const run = () =>
      tf.tidy(() =>
        tf
          .engine()
          .runKernel(
            '_FusedMatMul',
            { a: tf.ones([2, 3]), b: tf.ones([3, 2]) },
            { transposeA: false, transposeB: false, activation: 'gelu-not-fused' },
          ),
      );
    assert.throws(run, /gelu-not-fused/, 'the stock kernel rejects it');
    assert.equal(calls.length, 0);
  });

  it('takes heap views after allocating the output, so a product that grows the wasm heap is still right', () => {
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } };
    const next = rng(9);
    const [m, k, n] = [1024, 4, 16384]; // 64 MiB of output
    const a = tf.tensor(randomData(next, [m, k]), [m, k]);
    const b = tf.tensor(randomData(next, [k, n]), [k, n]);
    const heapBefore = backend.wasm.HEAPU8.buffer.byteLength;
    const out = tf.matMul(a, b);
    assert.ok(backend.wasm.HEAPU8.buffer.byteLength > heapBefore, 'the heap grew during the product');
    const [av, bv, ov] = [a.dataSync(), b.dataSync(), out.dataSync()];
    for (const [i, j] of [
      [0, 0],
      [m - 1, n - 1],
      [517, 9001],
      [3, n - 2],
    ] as const) {
      let expected = 0;
      for (let p = 0; p < k; p++) expected += av[i * k + p]! * bv[p * n + j]!;
      assert.ok(Math.abs(ov[i * n + j]! - expected) < 1e-5, `out[${i}][${j}] ${ov[i * n + j]} vs ${expected}`);
    }
    tf.dispose([a, b, out]);
  });

  it('registers idempotently and restores exactly the kernels it replaced', () => {
    const fast = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc;
    const ours = [fast('BatchMatMul'), fast('_FusedMatMul')];
    registerBlasKernels(recording(blas, calls));
    assert.deepEqual([fast('BatchMatMul'), fast('_FusedMatMul')], ours, 'a second register changes nothing');
    unregisterBlasKernels();
    const restored = [fast('BatchMatMul'), fast('_FusedMatMul')];
    assert.notEqual(restored[0], ours[0]);
    tf.tidy(() => tf.matMul(tf.ones([3, 4]), tf.ones([4, 2])).dataSync());
    assert.equal(calls.length, 0, 'the BLAS is no longer called');
    unregisterBlasKernels(); // a second unregister changes nothing
    assert.deepEqual([fast('BatchMatMul'), fast('_FusedMatMul')], restored);
    registerBlasKernels(recording(blas, calls));
    assert.deepEqual([fast('BatchMatMul'), fast('_FusedMatMul')], ours);
  });
});
