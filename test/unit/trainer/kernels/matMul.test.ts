import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertSameOnCpu, randInt, randomData, rng, useWasmWithFastKernels } from './compare';

/** Relative tolerance for float32 products of inner size <= 64 summed in different orders. */
const TOLERANCE = 1e-5;

interface Case {
  batchA: number[];
  batchB: number[];
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

function cases(seed: number): Case[] {
  const next = rng(seed);
  const batches: Array<[number[], number[]]> = [[[], []], [[3], [3]], [[2, 3], [2, 3]], [[4], []], [[], [4]], [[2, 2], [1, 2]], [[5], [1]]];
  const out: Case[] = [];
  for (const [batchA, batchB] of batches) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        out.push({ batchA, batchB, m: randInt(next, 1, 33), k: randInt(next, 1, 64), n: randInt(next, 1, 33), transposeA, transposeB });
      }
    }
  }
  return out;
}

function operands(c: Case, seed: number): [tf.Tensor, tf.Tensor] {
  const next = rng(seed);
  const aShape = [...c.batchA, ...(c.transposeA ? [c.k, c.m] : [c.m, c.k])];
  const bShape = [...c.batchB, ...(c.transposeB ? [c.n, c.k] : [c.k, c.n])];
  return [tf.tensor(randomData(next, aShape), aShape), tf.tensor(randomData(next, bShape), bShape)];
}

const sameBatch = (c: Case) => c.batchA.join() === c.batchB.join();
const name = (c: Case) => `a[${c.batchA}] b[${c.batchB}] m${c.m} k${c.k} n${c.n} tA=${c.transposeA} tB=${c.transposeB}`;

describe('fast wasm BatchMatMul / _FusedMatMul', function () {
  this.timeout(20000);
  before(useWasmWithFastKernels);

  it('matches the cpu backend forward and backward on random shapes, transposes and batches', async () => {
    for (const [i, c] of cases(1).entries()) {
      await assertSameOnCpu(`matMul ${name(c)}`, () => {
        const [a, b] = operands(c, 100 + i);
        const out = tf.matMul(a, b, c.transposeA, c.transposeB);
        const weight = tf.tensor(randomData(rng(7), out.shape), out.shape);
        // tfjs-core's matMul gradient does not reduce broadcast batches (on any backend): gradients only for equal batches.
        if (!sameBatch(c)) return out;
        const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.transposeA, c.transposeB), weight)))([a, b]);
        return [out, ...grads];
      }, TOLERANCE);
    }
  });

  it('matches the cpu backend for fused matmul + bias + activation and its gradients', async () => {
    // tfjs-core's fused gradient cannot broadcast a batched kernel, so fused cases use a 2-D kernel.
    const fused = cases(2).filter((c) => c.batchB.length === 0);
    assert.ok(fused.length >= 8);
    for (const [i, c] of fused.entries()) {
      for (const activation of ['linear', 'relu'] as const) {
        await assertSameOnCpu(`fused ${activation} ${name(c)}`, () => {
          const [a, b] = operands(c, 200 + i);
          const bias = tf.tensor(randomData(rng(300 + i), [c.n]), [c.n]);
          const f = (x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.fused.matMul({ a: x, b: y, transposeA: c.transposeA, transposeB: c.transposeB, bias: z, activation });
          const out = f(a, b, bias);
          if (c.batchA.length > 0) return out; // same tfjs-core gradient limit as above
          const grads = tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.square(f(x, y, z))))([a, b, bias]);
          return [out, ...grads];
        }, 4 * TOLERANCE);
      }
    }
  });

  it('handles a dense layer of the reference MLP size (784 x 512, batch 128) in both directions', async () => {
    const worst = await assertSameOnCpu('dense 128x784 @ 784x512', () => {
      const next = rng(5);
      const x = tf.tensor(randomData(next, [128, 784]), [128, 784]);
      const w = tf.tensor(randomData(next, [784, 512]), [784, 512]);
      const dy = tf.tensor(randomData(next, [128, 512]), [128, 512]);
      return [tf.matMul(dy, w, false, true), tf.matMul(x, dy, true, false)];
    }, 1e-4);
    assert.ok(worst < 1e-4);
  });
});
