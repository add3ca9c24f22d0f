/**
 * The LSTM gate steps in plain tf ops: what the fused layer runs on backends without the custom
 * kernels (webgpu, tensorflow), and the reference the kernels are tested against.
 */
import * as tf from '@tensorflow/tfjs';
import type { LstmGateSteps } from './lstmGateSteps';

/** Step t of a batch-major [B, T, C] tensor as [B, C]. */
function stepOf(x: tf.Tensor3D, t: number): tf.Tensor2D {
  const [d0, , d2] = x.shape;
  return tf.reshape(tf.slice(x, [0, t, 0], [d0, 1, d2]), [d0, d2]);
}

export const compositeGateSteps: LstmGateSteps = {
  forward(projected, recurrentPart, bias, cellPrev, t) {
    const z = tf.add(tf.add(stepOf(projected, t), recurrentPart), bias);
    const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const i = tf.sigmoid(zi);
    const f = tf.sigmoid(zf);
    const g = tf.tanh(zg);
    const o = tf.sigmoid(zo);
    const c = tf.add(tf.mul(f, cellPrev), tf.mul(i, g)) as tf.Tensor2D;
    const tc = tf.tanh(c);
    return { h: tf.mul(o, tc), c, saved: tf.concat([i, f, g, o, tc], 1) };
  },
  backward(saved, cellPrevOrNull, dOutputs, dhRecurrent, dcNext, t) {
    const [i, f, g, o, tc] = tf.split(saved, 5, 1) as tf.Tensor2D[] as [
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
      tf.Tensor2D,
    ];
    const cellPrev = cellPrevOrNull ?? tf.zerosLike(dcNext);
    const dh = tf.add(stepOf(dOutputs, t), dhRecurrent);
    const dc = tf.add(dcNext, tf.mul(tf.mul(dh, o), tf.sub(1, tf.square(tc))));
    const sigmoidSlope = (y: tf.Tensor2D) => tf.mul(y, tf.sub(1, y));
    const dGates = tf.concat(
      [
        tf.mul(tf.mul(dc, g), sigmoidSlope(i)),
        tf.mul(tf.mul(dc, cellPrev), sigmoidSlope(f)),
        tf.mul(tf.mul(dc, i), tf.sub(1, tf.square(g))),
        tf.mul(tf.mul(dh, tc), sigmoidSlope(o)),
      ],
      1,
    ) as tf.Tensor2D;
    return { dGates, dcPrev: tf.mul(dc, f) as tf.Tensor2D };
  },
};
