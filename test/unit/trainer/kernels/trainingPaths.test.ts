/** Whole gradient paths of the reference models (small sizes): every replaced kernel at once, forward and backward. */
import * as tf from '@tensorflow/tfjs';
import { assertSameOnCpu, randomData, rng, useWasmWithFastKernels } from './compare';

const TOLERANCE = 2e-5;

function params(seed: number, shapes: number[][]): tf.Tensor[] {
  const next = rng(seed);
  return shapes.map((s) =>
    tf.tensor(
      randomData(next, s).map((v) => v * 0.5),
      s,
    ),
  );
}

describe('fast wasm kernels on whole training gradients', function () {
  this.timeout(20000);
  before(useWasmWithFastKernels);

  it('an unrolled LSTM over an embedding lookup (gather, unstack, split, stack, matmul, tanh) matches the cpu backend', async () => {
    const [b, t, v, e, u] = [4, 6, 11, 5, 8];
    const ids = Int32Array.from({ length: b * t }, (_, i) => (i * 5) % v);
    await assertSameOnCpu(
      'lstm gradients',
      () => {
        const weights = params(31, [[v, e], [e, 4 * u], [u, 4 * u], [4 * u], [u, v]]);
        const loss = (table: tf.Tensor, kernel: tf.Tensor, recurrent: tf.Tensor, bias: tf.Tensor, out: tf.Tensor) => {
          const x = tf.reshape(tf.gather(table, tf.tensor1d(ids, 'int32')), [b, t, e]);
          const steps = tf.unstack(tf.transpose(x, [1, 0, 2]));
          let h = tf.zeros([b, u]) as tf.Tensor2D;
          let c = tf.zeros([b, u]) as tf.Tensor2D;
          const hs: tf.Tensor[] = [];
          for (const xt of steps) {
            const z = tf.add(
              tf.add(tf.matMul(xt as tf.Tensor2D, kernel as tf.Tensor2D), tf.matMul(h, recurrent as tf.Tensor2D)),
              bias,
            );
            const [i, f, g, o] = tf.split(z, 4, 1);
            c = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!))) as tf.Tensor2D;
            h = tf.mul(tf.sigmoid(o!), tf.tanh(c)) as tf.Tensor2D;
            hs.push(h);
          }
          const logits = tf.matMul(tf.reshape(tf.stack(hs, 1), [b * t, u]) as tf.Tensor2D, out as tf.Tensor2D);
          return tf.mean(tf.square(logits)) as tf.Scalar;
        };
        const [table, kernel, recurrent, bias, out] = weights as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ];
        return [loss(table, kernel, recurrent, bias, out), ...tf.grads(loss)(weights)];
      },
      TOLERANCE,
    );
  });

  it('causal multi-head attention with a GELU feed-forward (4-D batched matmuls, pow, tanh) matches the cpu backend', async () => {
    const [b, t, d, heads, ff] = [2, 7, 12, 3, 20];
    const dh = d / heads;
    const x = randomData(rng(32), [b, t, d]);
    const mask = new Float32Array(t * t).map((_, i) => (i % t > Math.floor(i / t) ? -1e9 : 0));
    await assertSameOnCpu(
      'attention gradients',
      () => {
        const weights = params(33, [
          [d, d],
          [d, d],
          [d, d],
          [d, ff],
          [ff, d],
        ]);
        const loss = (wq: tf.Tensor, wk: tf.Tensor, wv: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) => {
          const flat = tf.tensor(x, [b * t, d]) as tf.Tensor2D;
          const split = (w: tf.Tensor) =>
            tf.transpose(tf.reshape(tf.matMul(flat, w as tf.Tensor2D), [b, t, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
          const [q, k, v] = [split(wq), split(wk), split(wv)];
          const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(dh)), tf.tensor(mask, [t, t]));
          const mixed = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores) as tf.Tensor4D, v), [0, 2, 1, 3]), [
            b * t,
            d,
          ]) as tf.Tensor2D;
          const hidden = tf.matMul(mixed, w1 as tf.Tensor2D);
          const gelu = tf.mul(
            tf.mul(0.5, hidden),
            tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(hidden, tf.mul(0.044715, tf.pow(hidden, 3)))))),
          );
          return tf.mean(tf.square(tf.matMul(gelu as tf.Tensor2D, w2 as tf.Tensor2D))) as tf.Scalar;
        };
        const [wq, wk, wv, w1, w2] = weights as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return [loss(wq, wk, wv, w1, w2), ...tf.grads(loss)(weights)];
      },
      TOLERANCE,
    );
  });
});
