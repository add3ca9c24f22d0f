import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertSameOnCpu, randomData, rng, useWasmWithFastKernels } from './compare';
import { type BatchPairs, type MatMulCase, matMulCases, matMulOperands } from './matMulCases';

/** Relative tolerance for float32 products of inner size <= 64 summed in different orders. */
const TOLERANCE = 1e-5;

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
];

const sameBatch = (c: MatMulCase) => c.batchA.join() === c.batchB.join();
const name = (c: MatMulCase) =>
  `a[${c.batchA}] b[${c.batchB}] m${c.m} k${c.k} n${c.n} tA=${c.transposeA} tB=${c.transposeB}`;

describe('fast wasm BatchMatMul / _FusedMatMul', function () {
  this.timeout(20000);
  before(useWasmWithFastKernels);

  it('matches the cpu backend forward and backward on random shapes, transposes and batches', async () => {
    for (const [i, c] of matMulCases(1, BATCHES).entries()) {
      await assertSameOnCpu(
        `matMul ${name(c)}`,
        () => {
          const [a, b] = matMulOperands(c, 100 + i);
          const out = tf.matMul(a, b, c.transposeA, c.transposeB);
          const weight = tf.tensor(randomData(rng(7), out.shape), out.shape);
          // tfjs-core's matMul gradient does not reduce broadcast batches (on any backend): gradients only for equal batches.
          if (!sameBatch(c)) return out;
          const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
            tf.sum(tf.mul(tf.matMul(x, y, c.transposeA, c.transposeB), weight)),
          )([a, b]);
          return [out, ...grads];
        },
        TOLERANCE,
      );
    }
  });

  it('matches the cpu backend for fused matmul + bias + activation and its gradients', async () => {
    // tfjs-core's fused gradient cannot broadcast a batched kernel, so fused cases use a 2-D kernel.
    const fused = matMulCases(2, BATCHES).filter((c) => c.batchB.length === 0);
    assert.ok(fused.length >= 8);
    for (const [i, c] of fused.entries()) {
      for (const activation of ['linear', 'relu'] as const) {
        await assertSameOnCpu(
          `fused ${activation} ${name(c)}`,
          () => {
            const [a, b] = matMulOperands(c, 200 + i);
            const bias = tf.tensor(randomData(rng(300 + i), [c.n]), [c.n]);
            const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) =>
              tf.fused.matMul({ a: x, b: y, transposeA: c.transposeA, transposeB: c.transposeB, bias: z, activation });
            const out = f(a, b, bias);
            if (c.batchA.length > 0) return out; // same tfjs-core gradient limit as above
            const grads = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.square(f(x, y, z))))([
              a,
              b,
              bias,
            ]);
            return [out, ...grads];
          },
          4 * TOLERANCE,
        );
      }
    }
  });

  it('handles a dense layer of the reference MLP size (784 x 512, batch 128) in both directions', async () => {
    const worst = await assertSameOnCpu(
      'dense 128x784 @ 784x512',
      () => {
        const next = rng(5);
        const x = tf.tensor(randomData(next, [128, 784]), [128, 784]);
        const w = tf.tensor(randomData(next, [784, 512]), [784, 512]);
        const dy = tf.tensor(randomData(next, [128, 512]), [128, 512]);
        return [tf.matMul(dy, w, false, true), tf.matMul(x, dy, true, false)];
      },
      1e-4,
    );
    assert.ok(worst < 1e-4);
  });
});
