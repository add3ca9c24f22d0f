/**
 * The op-by-op GRU layer the char LM used before the fused one (gru.ts), gradients from tfjs's
 * autodiff. Kept callable as the reference the fused layer is tested against.
 */
import * as tf from '@tensorflow/tfjs';
import type { GruWeights } from '../../../../src/trainer/accel/fused/gru';

/** Runs the layer over [batch, time, in] from zero state; returns every h as [batch, time, units]. */
export function opByOpGru(seq: tf.Tensor3D, weights: GruWeights): tf.Tensor3D {
  const [b, t, width] = seq.shape;
  const u = weights.recurrent.shape[0];
  const projected = tf.add(tf.matMul(tf.reshape(seq, [b * t, width]) as tf.Tensor2D, weights.kernel), weights.bias);
  // split + reshape rather than unstack: wasm's Unpack copies the whole input once per time step.
  const timeMajor = tf.transpose(tf.reshape(projected, [b, t, 3 * u]), [1, 0, 2]);
  // tfjs 4.22's SplitV gradient fails for a single piece ("Pass at least one tensor to concat").
  const pieces = t === 1 ? [timeMajor] : tf.split(timeMajor, t, 0);
  const steps = pieces.map((s) => tf.reshape(s, [b, 3 * u]) as tf.Tensor2D);
  let h: tf.Tensor2D = tf.zeros([b, u]);
  const outputs: tf.Tensor2D[] = [];
  const recZr = tf.slice(weights.recurrent, [0, 0], [u, 2 * u]) as tf.Tensor2D;
  const recN = tf.slice(weights.recurrent, [0, 2 * u], [u, u]) as tf.Tensor2D;
  for (const xt of steps) {
    const [xzr, xn] = tf.split(xt, [2 * u, u], 1) as [tf.Tensor2D, tf.Tensor2D];
    const [z, r] = tf.split(tf.sigmoid(tf.add(xzr, tf.matMul(h, recZr))), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const n = tf.tanh(tf.add(xn, tf.matMul(tf.mul(r, h) as tf.Tensor2D, recN)));
    h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    outputs.push(h);
  }
  return tf.transpose(tf.stack(outputs), [1, 0, 2]) as tf.Tensor3D;
}
