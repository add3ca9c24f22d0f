/**
 * The GRU gate steps in plain tf ops: what the fused layer runs on backends without the custom
 * kernels (webgpu, tensorflow), and the reference the kernels are tested against.
 */
import * as tf from '@tensorflow/tfjs';
import type { GruGateSteps } from './gruGateSteps';

/** Step t of a batch-major [B, T, C] tensor as [B, C], optionally only columns [from, from + width). */
function stepOf(x: tf.Tensor3D, t: number, from = 0, width = x.shape[2] - from): tf.Tensor2D {
  return tf.reshape(tf.slice(x, [0, t, from], [x.shape[0], 1, width]), [x.shape[0], width]);
}

export const compositeGruSteps: GruGateSteps = {
  forwardA(projected, recurrentZr, bias, hPrev, t) {
    const u = projected.shape[2] / 3;
    const zr = tf.sigmoid(
      tf.add(tf.add(stepOf(projected, t, 0, 2 * u), recurrentZr), tf.slice(bias, [0], [2 * u])),
    ) as tf.Tensor2D;
    const r = tf.slice(zr, [0, u], [-1, u]);
    return { zr, resetHidden: tf.mul(r, hPrev) };
  },
  forwardB(projected, recurrentN, bias, zr, hPrev, t) {
    const u = projected.shape[2] / 3;
    const n = tf.tanh(
      tf.add(tf.add(stepOf(projected, t, 2 * u, u), recurrentN), tf.slice(bias, [2 * u], [u])),
    ) as tf.Tensor2D;
    const z = tf.slice(zr, [0, 0], [-1, u]);
    return { h: tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, hPrev)), candidate: n };
  },
  backwardA(zr, candidate, hPrev, dOutputs, dhRecurrent, dhCarry, t) {
    const u = candidate.shape[1];
    const z = tf.slice(zr, [0, 0], [-1, u]);
    const hp = hPrev ?? tf.zerosLike(candidate);
    const dh = tf.add(tf.add(stepOf(dOutputs, t), dhRecurrent), dhCarry);
    return {
      dN: tf.mul(tf.mul(dh, tf.sub(1, z)), tf.sub(1, tf.square(candidate))),
      dZ: tf.mul(tf.mul(dh, tf.sub(hp, candidate)), tf.mul(z, tf.sub(1, z))),
      dhDirect: tf.mul(dh, z),
    };
  },
  backwardB(zr, hPrev, dResetHidden, dZ, dhDirect) {
    const u = dZ.shape[1];
    const r = tf.slice(zr, [0, u], [-1, u]);
    const hp = hPrev ?? tf.zerosLike(dZ);
    const dR = tf.mul(tf.mul(dResetHidden, hp), tf.mul(r, tf.sub(1, r)));
    return { dGatesZr: tf.concat([dZ, dR], 1) as tf.Tensor2D, dhCarry: tf.add(dhDirect, tf.mul(dResetHidden, r)) };
  },
};
