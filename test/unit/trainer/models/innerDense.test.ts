import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerFastWasmKernels } from '../../../../src/trainer/accel/kernels';
import { loadBlas, registerBlasKernels, unregisterBlasKernels } from '../../../../src/trainer/accel/blas';
import { applyDense, applyInnerDense } from '../../../../src/trainer/models/layers';
import { Rng } from '../../../../src/trainer/util/rng';
import { assertClose, kernelsRun, onBackend, values } from './fused/fusedCompare';

function random(seed: number, shape: number[]): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );
}

/** Output and the gradients of sum(dense(x) · w) for x, kernel and bias. */
function valueAndGrads(dense: typeof applyDense): () => tf.Tensor[] {
  return () => {
    const [x, kernel, bias, w] = [random(1, [37, 9]), random(2, [9, 6]), random(3, [6]), random(4, [37, 6])];
    const loss = (a: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(dense({ kernel: k, bias: b }, a as tf.Tensor2D), w!));
    return [dense({ kernel: kernel!, bias: bias! }, x as tf.Tensor2D), ...tf.grads(loss)([x!, kernel!, bias!])];
  };
}

describe('applyInnerDense', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: gives the output and the x, kernel and bias gradients of matMul + add (tfjs's own gradients)`, async () => {
      const expected = await onBackend(backend, () => values(valueAndGrads(applyDense)));
      const actual = await onBackend(backend, () => values(valueAndGrads(applyInnerDense)));
      assertClose(backend, actual, expected, 1e-5);
    });
  }

  it('on wasm with the BLAS kernels: adds the bias inside the product (no Add) and still matches', async function () {
    const load = loadBlas({ threads: 1 });
    if (!load.ok) this.skip();
    const expected = await onBackend('cpu', () => values(valueAndGrads(applyDense)));
    await onBackend('wasm', async () => {
      registerFastWasmKernels();
      registerBlasKernels(load.blas);
      try {
        assertClose('wasm + BLAS', values(valueAndGrads(applyInnerDense)), expected, 1e-5);
        const names = await kernelsRun(() =>
          applyInnerDense({ kernel: tf.ones([3, 2]), bias: tf.ones([2]) }, tf.ones([4, 3])),
        );
        assert.ok(names.includes('_FusedMatMul') && !names.includes('Add'), `kernels run: ${names.join(', ')}`);
      } finally {
        unregisterBlasKernels();
      }
    });
  });
});
