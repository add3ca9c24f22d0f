import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  ATTENTION_GRAD_KERNEL,
  ATTENTION_KERNEL,
  causalAttentionComposite,
  causalSelfAttention,
} from '../../../../../src/trainer/accel/fused/attention';
import { Rng } from '../../../../../src/trainer/util/rng';
import { loadBlas, registerBlasKernels, unregisterBlasKernels } from '../../../../../src/trainer/accel/blas';
import { assertClose, kernelsRun, onBackend, values, useWasmWithBlasKernels } from './fusedCompare';

/** Fused (BLAS products, softmax in double) vs op by op on cpu (float32 throughout): values and gradients. */
const TOLERANCE = 2e-5;

function randomInput(seed: number, size: number, scale: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: size }, () => rng.normal() * scale);
}

type Attention = (qkv: tf.Tensor3D, heads: number) => tf.Tensor3D;

/** out and dL/dqkv for L = sum(attention(qkv) · w): a non-uniform dy. */
function valueAndGrad(
  op: Attention,
  [b, t, d]: [number, number, number],
  heads: number,
  seed: number,
): () => tf.Tensor[] {
  const qkv = randomInput(seed, b * t * 3 * d, 1.5);
  const w = randomInput(seed + 1, b * t * d, 1);
  return () => {
    const weights = tf.tensor(w, [b, t, d]);
    const input = tf.tensor3d(qkv, [b, t, 3 * d]);
    return [op(input, heads), tf.grad((x: tf.Tensor) => tf.sum(tf.mul(op(x as tf.Tensor3D, heads), weights)))(input)];
  };
}

describe('fused causal attention (wasm with BLAS kernels)', function () {
  this.timeout(60000);

  useWasmWithBlasKernels();

  it(`matches the op-by-op attention on cpu within ${TOLERANCE}, the gradient of q, k and v included`, async () => {
    // [batch, time, d] of the output: qkv is [batch, time, 3d].
    const cases: Array<[[number, number, number], number]> = [
      [[1, 1, 4], 1],
      [[2, 5, 6], 3],
      [[3, 16, 32], 4],
      [[2, 64, 128], 4],
      [[1, 7, 9], 1],
    ];
    for (const [i, [shape, heads]] of cases.entries()) {
      const expected = await onBackend('cpu', () =>
        values(valueAndGrad(causalAttentionComposite, shape, heads, 10 * i)),
      );
      const actual = await onBackend('wasm', () => values(valueAndGrad(causalSelfAttention, shape, heads, 10 * i)));
      assertClose(`shape [${shape}] heads ${heads}`, actual, expected, TOLERANCE);
    }
  });

  it('runs one kernel each way, with no Softmax, Transpose or batched matmul', async () => {
    const names = await onBackend('wasm', () =>
      kernelsRun(() =>
        tf.grad((qkv: tf.Tensor) => tf.sum(causalSelfAttention(qkv as tf.Tensor3D, 2)))(tf.ones([2, 8, 24])),
      ),
    );
    assert.ok(
      names.includes(ATTENTION_KERNEL) && names.includes(ATTENTION_GRAD_KERNEL),
      `kernels run: ${names.join(', ')}`,
    );
    for (const opByOp of ['Softmax', 'Transpose', 'BatchMatMul'])
      assert.ok(!names.includes(opByOp), `${opByOp} ran: ${names.join(', ')}`);
  });

  it('leaks no tensors or bytes, forward alone (probabilities freed at once) or with the gradient', async () => {
    await onBackend('wasm', () => {
      const q = tf.randomNormal([2, 6, 24], 0, 1, 'float32', 1) as tf.Tensor3D;
      const before = tf.memory();
      causalSelfAttention(q, 2).dispose();
      assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [before.numTensors, before.numBytes]);
      tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(causalSelfAttention(t as tf.Tensor3D, 2)))(q)
          .dataSync(),
      );
      assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [before.numTensors, before.numBytes]);
      q.dispose();
    });
  });

  it('takes the op-by-op path with dropout on the weights, and applies it', async () => {
    await onBackend('wasm', async () => {
      const q = tf.randomNormal([1, 4, 12], 0, 1, 'float32', 2) as tf.Tensor3D;
      const zeroWeights = (w: tf.Tensor) => tf.mul(w, 0);
      const names = await kernelsRun(() => causalSelfAttention(q, 2, zeroWeights));
      assert.ok(names.includes('Softmax') && !names.includes(ATTENTION_KERNEL), `kernels run: ${names.join(', ')}`);
      assert.deepEqual(Array.from(causalSelfAttention(q, 2, zeroWeights).dataSync()), new Array(16).fill(0));
      q.dispose();
    });
  });

  it('takes the op-by-op path on wasm without the BLAS kernels and on cpu', async () => {
    const run = () => kernelsRun(() => causalSelfAttention(tf.ones([1, 3, 12]), 2));
    assert.ok(!(await onBackend('cpu', run)).includes(ATTENTION_KERNEL));
    const blas = loadBlas({ threads: 1 });
    unregisterBlasKernels();
    try {
      assert.ok(!(await onBackend('wasm', run)).includes(ATTENTION_KERNEL));
    } finally {
      if (blas.ok) await onBackend('wasm', () => registerBlasKernels(blas.blas));
    }
  });

  it('rejects a width that is not three times a multiple of the heads', () => {
    assert.throws(() => causalSelfAttention(tf.ones([1, 3, 16]), 2), /must be \[batch, time, 3 \* d\]/);
    assert.throws(() => causalSelfAttention(tf.ones([1, 3, 18]), 4), /divisible by 4 heads/);
  });
});
