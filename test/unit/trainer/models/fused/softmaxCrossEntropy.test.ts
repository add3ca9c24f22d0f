import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import {
  SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL,
  SOFTMAX_CROSS_ENTROPY_KERNEL,
  softmaxCrossEntropy,
  softmaxCrossEntropyComposite,
} from '../../../../../src/trainer/accel/fused/softmaxCrossEntropy';
import { Rng } from '../../../../../src/trainer/util/rng';
import { assertClose, kernelsRun, onBackend, values } from './fusedCompare';

/** Fused (Softmax kernel, log p from the row's top probability) vs op by op on cpu: loss and logits gradient. */
const TOLERANCE = 2e-6;

type Loss = (logits: tf.Tensor2D, labels: tf.Tensor2D) => tf.Scalar;

/** Logits with a spread of `scale`, and labels one-hot (soft = false) or rows of random weights that need not sum to 1. */
function inputs(
  seed: number,
  rows: number,
  classes: number,
  scale: number,
  soft: boolean,
): [Float32Array, Float32Array] {
  const rng = new Rng(seed);
  const logits = Float32Array.from({ length: rows * classes }, () => rng.normal() * scale);
  const labels = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    if (soft) for (let j = 0; j < classes; j++) labels[r * classes + j] = rng.next() < 0.5 ? 0 : rng.next();
    else labels[r * classes + rng.int(classes)] = 1;
  }
  return [logits, labels];
}

function lossAndGrad(op: Loss, [x, y]: [Float32Array, Float32Array], shape: [number, number]): () => tf.Tensor[] {
  return () => {
    const logits = tf.tensor2d(x, shape);
    const labels = tf.tensor2d(y, shape);
    // A non-unit dy: the loss is scaled before differentiating.
    return [op(logits, labels), tf.grad((z: tf.Tensor) => tf.mul(op(z as tf.Tensor2D, labels), 3))(logits)];
  };
}

describe('fused softmax cross-entropy', function () {
  this.timeout(60000);
  const cases: Array<[[number, number], number, boolean]> = [
    [[1, 1], 1, false],
    [[5, 3], 1, false],
    [[128, 10], 4, false],
    [[2048, 65], 3, false],
    [[7, 9], 30, false],
    [[6, 5], 2, true],
  ];

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: runs one kernel each way and matches the op-by-op loss on cpu within ${TOLERANCE}, the logits gradient included`, async () => {
      for (const [i, [shape, scale, soft]] of cases.entries()) {
        const data = inputs(100 + i, shape[0], shape[1], scale, soft);
        const expected = await onBackend('cpu', () => values(lossAndGrad(softmaxCrossEntropyComposite, data, shape)));
        const actual = await onBackend(backend, () => values(lossAndGrad(softmaxCrossEntropy, data, shape)));
        assertClose(`${backend} [${shape}] scale ${scale}${soft ? ' soft labels' : ''}`, actual, expected, TOLERANCE);
      }
      const names = await onBackend(backend, () =>
        kernelsRun(() =>
          tf.grad((z: tf.Tensor) =>
            softmaxCrossEntropy(z as tf.Tensor2D, tf.oneHot([1, 0], 3).toFloat() as tf.Tensor2D),
          )(tf.ones([2, 3])),
        ),
      );
      assert.ok(
        names.includes(SOFTMAX_CROSS_ENTROPY_KERNEL) && names.includes(SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL),
        `kernels run: ${names.join(', ')}`,
      );
      assert.ok(!names.includes('Log') && !names.includes('Exp'), `op-by-op kernels ran: ${names.join(', ')}`);
    });

    it(`on ${backend}: stays finite where a probability underflows to 0 under a zero label`, async () => {
      const loss = await onBackend(backend, () =>
        tf.tidy(() => softmaxCrossEntropy(tf.tensor2d([[0, -200, 5]]), tf.tensor2d([[1, 0, 0]])).dataSync()[0]!),
      );
      assert.ok(Math.abs(loss - Math.log(1 + Math.exp(5))) < 1e-5, `loss ${loss}`);
    });

    it(`on ${backend}: leaks no tensors, forward alone or with the gradient`, async () => {
      await onBackend(backend, () => {
        const x = tf.randomNormal([4, 6], 0, 1, 'float32', 3) as tf.Tensor2D;
        const y = tf.oneHot([0, 5, 2, 2], 6).toFloat() as tf.Tensor2D;
        const before = tf.memory();
        softmaxCrossEntropy(x, y).dispose();
        assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [before.numTensors, before.numBytes]);
        tf.tidy(() =>
          tf
            .grad((z: tf.Tensor) => softmaxCrossEntropy(z as tf.Tensor2D, y))(x)
            .dataSync(),
        );
        assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [before.numTensors, before.numBytes]);
        tf.dispose([x, y]);
      });
    });
  }

  it('takes the op-by-op path for labels of another shape than the logits', async () => {
    const names = await onBackend('cpu', () =>
      kernelsRun(() => softmaxCrossEntropy(tf.ones([2, 3]) as tf.Tensor2D, tf.ones([1, 3]) as tf.Tensor2D)),
    );
    assert.ok(
      !names.includes(SOFTMAX_CROSS_ENTROPY_KERNEL) && names.includes('Log'),
      `kernels run: ${names.join(', ')}`,
    );
  });
});
