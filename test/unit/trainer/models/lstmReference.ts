/**
 * The op-by-op LSTM layer the char LM used before the fused one (lstm.ts): ~70 kernel calls per time
 * step, gradients from tfjs's autodiff. Kept callable as the reference the fused layer is tested against.
 */
import * as tf from '@tensorflow/tfjs';
import type { LstmWeights } from '../../../../src/trainer/accel/fused/lstm';

/** Runs the layer over [batch, time, in] from zero state; returns every h as [batch, time, units]. */
export function opByOpLstm(seq: tf.Tensor3D, weights: LstmWeights): tf.Tensor3D {
  const [b, t, width] = seq.shape;
  const u = weights.recurrent.shape[0];
  const projected = tf.add(tf.matMul(tf.reshape(seq, [b * t, width]) as tf.Tensor2D, weights.kernel), weights.bias);
  // split + reshape rather than unstack: wasm's Unpack copies the whole input once per time step.
  const timeMajor = tf.transpose(tf.reshape(projected, [b, t, 4 * u]), [1, 0, 2]);
  // tfjs 4.22's SplitV gradient fails for a single piece ("Pass at least one tensor to concat").
  const pieces = t === 1 ? [timeMajor] : tf.split(timeMajor, t, 0);
  const steps = pieces.map((s) => tf.reshape(s, [b, 4 * u]) as tf.Tensor2D);
  let h: tf.Tensor2D = tf.zeros([b, u]);
  let c: tf.Tensor2D = tf.zeros([b, u]);
  const outputs: tf.Tensor2D[] = [];
  for (const xt of steps) {
    const z = tf.add(xt, tf.matMul(h, weights.recurrent));
    const [i, fg, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    c = tf.add(tf.mul(tf.sigmoid(fg), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    h = tf.mul(tf.sigmoid(o), tf.tanh(c));
    outputs.push(h);
  }
  return tf.transpose(tf.stack(outputs), [1, 0, 2]) as tf.Tensor3D;
}
