/**
 * One GRU layer over a whole sequence as a single op with its own gradient, built like lstm.ts:
 * the input projection is one matmul; each step is h·R_zr, a fused gate part, (r·h)·R_n and a second
 * fused part; backward mirrors it per step, and the weight gradients are single matmuls over all
 * steps at the end. Same maths, weight names and shapes as the op-by-op layer (gruReference.ts):
 * gate order z, r, n; the candidate's recurrent weights see r·h.
 */
import * as tf from '@tensorflow/tfjs';
import { compositeGruSteps } from './gruComposite';
import type { GruGateSteps } from './gruGateSteps';
import { kernelGruSteps } from './gruKernels';
import { hasRnnKernels } from './lstmKernelMemory';

export interface GruWeights {
  /** [in, 3U] */
  kernel: tf.Tensor2D;
  /** [U, 3U]: columns z, r (h·R_zr) then n ((r·h)·R_n) */
  recurrent: tf.Tensor2D;
  /** [3U] */
  bias: tf.Tensor1D;
}

/** The custom kernels where the active backend has them, tf ops elsewhere. */
export function gruStepsForBackend(backendName: string): GruGateSteps {
  return hasRnnKernels(backendName) ? kernelGruSteps : compositeGruSteps;
}

/** Runs the layer over [batch, time, in] from zero state; returns every h as [batch, time, units]. */
export function fusedGru(seq: tf.Tensor3D, weights: GruWeights, steps: GruGateSteps = gruStepsForBackend(tf.getBackend())): tf.Tensor3D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, kernel, recurrent, bias] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[4] as tf.GradSaveFunc;
    const { value, hsAll, zrAll, candidatesAll, resetHiddenAll } = forward(x, kernel, recurrent, bias, steps);
    save([x, kernel, recurrent, hsAll, zrAll, candidatesAll, resetHiddenAll]);
    return { value, gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => backward(dy, saved, steps) };
  });
  return op(seq, weights.kernel, weights.recurrent, weights.bias) as tf.Tensor3D;
}

function splitRecurrent(recurrent: tf.Tensor2D): { zr: tf.Tensor2D; n: tf.Tensor2D } {
  const u = recurrent.shape[0];
  return { zr: tf.slice(recurrent, [0, 0], [u, 2 * u]), n: tf.slice(recurrent, [0, 2 * u], [u, u]) };
}

interface Forward {
  value: tf.Tensor3D;
  /** [T, B, U] each, [T, B, 2U] for zr; r·h as [T·B, U] */
  hsAll: tf.Tensor3D;
  zrAll: tf.Tensor3D;
  candidatesAll: tf.Tensor3D;
  resetHiddenAll: tf.Tensor2D;
}

function forward(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrent: tf.Tensor2D, bias: tf.Tensor1D, steps: GruGateSteps): Forward {
  const [b, t, width] = x.shape;
  const u = recurrent.shape[0];
  const rec = splitRecurrent(recurrent);
  const projected = tf.reshape(tf.fused.matMul({ a: tf.reshape(x, [b * t, width]), b: kernel, bias }), [b, t, 3 * u]) as tf.Tensor3D;
  const hs: tf.Tensor2D[] = [];
  const zrs: tf.Tensor2D[] = [];
  const candidates: tf.Tensor2D[] = [];
  const resetHiddens: tf.Tensor2D[] = [];
  let h: tf.Tensor2D = tf.zeros([b, u]);
  for (let s = 0; s < t; s++) {
    // h₀ = 0, so step 0's recurrent products are zero: no matmuls.
    const a = steps.forwardA(projected, s > 0 ? tf.matMul(h, rec.zr) : tf.zeros([b, 2 * u]), h, s);
    const out = steps.forwardB(projected, s > 0 ? tf.matMul(a.resetHidden, rec.n) : tf.zeros([b, u]), a.zr, h, s);
    h = out.h;
    hs.push(h);
    zrs.push(a.zr);
    candidates.push(out.candidate);
    resetHiddens.push(a.resetHidden);
  }
  const hsAll = tf.reshape(tf.concat(hs, 0), [t, b, u]) as tf.Tensor3D;
  return {
    value: tf.transpose(hsAll, [1, 0, 2]),
    hsAll,
    zrAll: tf.reshape(tf.concat(zrs, 0), [t, b, 2 * u]),
    candidatesAll: tf.reshape(tf.concat(candidates, 0), [t, b, u]),
    resetHiddenAll: tf.concat(resetHiddens, 0),
  };
}

function backward(dy: tf.Tensor3D, saved: tf.Tensor[], steps: GruGateSteps): tf.Tensor[] {
  const [x, kernel, recurrent, hsAll, zrAll, candidatesAll, resetHiddenAll] = saved as [
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor3D,
    tf.Tensor2D,
  ];
  const [b, t, width] = x.shape;
  const u = recurrent.shape[0];
  const rec = splitRecurrent(recurrent);
  // Transposed once here, not materialised again by every step's products.
  const recZrT = tf.transpose(rec.zr);
  const recNT = tf.transpose(rec.n);
  const dGatesZrPerStep = new Array<tf.Tensor2D>(t);
  const dNPerStep = new Array<tf.Tensor2D>(t);
  let dhRecurrent: tf.Tensor2D = tf.zeros([b, u]);
  let dhCarry: tf.Tensor2D = dhRecurrent;
  for (let s = t - 1; s >= 0; s--) {
    const a = steps.backwardA(zrAll, candidatesAll, hsAll, dy, dhRecurrent, dhCarry, s);
    // r·h₀ = 0 at step 0: its gradient only matters for r, whose gradient there is 0 too.
    const dResetHidden: tf.Tensor2D = s > 0 ? tf.matMul(a.dN, recNT) : tf.zeros([b, u]);
    const out = steps.backwardB(zrAll, hsAll, dResetHidden, a.dZ, a.dhDirect, s);
    dGatesZrPerStep[s] = out.dGatesZr;
    dNPerStep[s] = a.dN;
    dhCarry = out.dhCarry;
    if (s > 0) dhRecurrent = tf.matMul(out.dGatesZr, recZrT);
  }
  const dGatesZr = tf.concat(dGatesZrPerStep, 0) as tf.Tensor2D; // [T·B, 2U], time-major
  const dN = tf.concat(dNPerStep, 0) as tf.Tensor2D; // [T·B, U]
  // h_{s-1}ᵀ·dGates_zr,s over s ≥ 1 (h₀ = 0 adds nothing); (r·h)ᵀ·dN over every step.
  const hsFlat = tf.reshape(hsAll, [t * b, u]);
  const dRecZr =
    t > 1 ? tf.matMul(tf.slice(hsFlat, [0, 0], [(t - 1) * b, u]), tf.slice(dGatesZr, [b, 0], [(t - 1) * b, 2 * u]), true, false) : tf.zeros([u, 2 * u]);
  const dRecN = tf.matMul(resetHiddenAll, dN, true, false);
  const dGates = tf.concat([dGatesZr, dN], 1);
  const dGatesBatchMajor = tf.reshape(tf.transpose(tf.reshape(dGates, [t, b, 3 * u]), [1, 0, 2]), [b * t, 3 * u]);
  const dKernel = tf.matMul(tf.reshape(x, [b * t, width]), dGatesBatchMajor, true, false);
  const dBias = tf.sum(dGates, 0);
  const dx = tf.reshape(tf.matMul(dGatesBatchMajor, kernel, false, true), [b, t, width]);
  return [dx, dKernel, tf.concat([dRecZr, dRecN], 1), dBias];
}
