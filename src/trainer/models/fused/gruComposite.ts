/**
 * The GRU gate steps in plain tf ops: what the fused layer runs on backends without the custom
 * kernels (webgpu, tensorflow), and the reference the kernels are tested against.
 */
import * as tf from '@tensorflow/tfjs';
import type { GruGateSteps } from './gruGateSteps';

/** Row t of a [A, T, C] tensor along axis 1 (or [T, A, C] along axis 0) as [A, C], optionally only columns [from, from + width). */
function stepOf(x: tf.Tensor3D, t: number, axis: 0 | 1, from = 0, width = x.shape[2] - from): tf.Tensor2D {
  const [d0, d1] = x.shape;
  return axis === 1 ? tf.reshape(tf.slice(x, [0, t, from], [d0, 1, width]), [d0, width]) : tf.reshape(tf.slice(x, [t, 0, from], [1, d1, width]), [d1, width]);
}

function previousHidden(hsAll: tf.Tensor3D, t: number): tf.Tensor2D {
  const [, b, u] = hsAll.shape;
  return t > 0 ? stepOf(hsAll, t - 1, 0) : tf.zeros([b, u]);
}

export const compositeGruSteps: GruGateSteps = {
  forwardA(projected, recurrentZr, hPrev, t) {
    const u = projected.shape[2] / 3;
    const zr = tf.sigmoid(tf.add(stepOf(projected, t, 1, 0, 2 * u), recurrentZr)) as tf.Tensor2D;
    const r = tf.slice(zr, [0, u], [-1, u]);
    return { zr, resetHidden: tf.mul(r, hPrev) };
  },
  forwardB(projected, recurrentN, zr, hPrev, t) {
    const u = projected.shape[2] / 3;
    const n = tf.tanh(tf.add(stepOf(projected, t, 1, 2 * u, u), recurrentN)) as tf.Tensor2D;
    const z = tf.slice(zr, [0, 0], [-1, u]);
    return { h: tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, hPrev)), candidate: n };
  },
  backwardA(zrAll, candidatesAll, hsAll, dOutputs, dhRecurrent, dhCarry, t) {
    const u = candidatesAll.shape[2];
    const z = stepOf(zrAll, t, 0, 0, u);
    const n = stepOf(candidatesAll, t, 0);
    const hp = previousHidden(hsAll, t);
    const dh = tf.add(tf.add(stepOf(dOutputs, t, 1), dhRecurrent), dhCarry);
    return {
      dN: tf.mul(tf.mul(dh, tf.sub(1, z)), tf.sub(1, tf.square(n))),
      dZ: tf.mul(tf.mul(dh, tf.sub(hp, n)), tf.mul(z, tf.sub(1, z))),
      dhDirect: tf.mul(dh, z),
    };
  },
  backwardB(zrAll, hsAll, dResetHidden, dZ, dhDirect, t) {
    const u = hsAll.shape[2];
    const r = stepOf(zrAll, t, 0, u, u);
    const hp = previousHidden(hsAll, t);
    const dR = tf.mul(tf.mul(dResetHidden, hp), tf.mul(r, tf.sub(1, r)));
    return { dGatesZr: tf.concat([dZ, dR], 1) as tf.Tensor2D, dhCarry: tf.add(dhDirect, tf.mul(dResetHidden, r)) };
  },
};
