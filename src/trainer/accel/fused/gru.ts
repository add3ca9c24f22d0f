/**
 * One GRU layer over a whole sequence as a single op with its own gradient, built like lstm.ts:
 * the input projection is one matmul (the bias is added in the gate parts); each step is h·R_zr, a
 * fused gate part, (r·h)·R_n and a second fused part; backward mirrors it per step, and the weight
 * gradients are single matmuls over all steps at the end, batch-major. Same maths, weight names and shapes as the op-by-op layer (test/unit/trainer/models/gruReference.ts):
 * gate order z, r, n; the candidate's recurrent weights see r·h.
 */
import * as tf from '@tensorflow/tfjs';
import { compositeGruSteps } from './gruComposite';
import type { GruGateSteps } from './gruGateSteps';
import { kernelGruSteps } from './gruKernels';
import { hasRnnKernels } from './lstmKernelMemory';
import { stackSteps } from './lstmStepStack';

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
export function fusedGru(
  seq: tf.Tensor3D,
  weights: GruWeights,
  steps: GruGateSteps = gruStepsForBackend(tf.getBackend()),
): tf.Tensor3D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, kernel, recurrent, bias] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[4] as tf.GradSaveFunc;
    const { value, hsPrev, resetHiddenAll, zrs, candidates, hs } = forward(x, kernel, recurrent, bias, steps);
    // h of every step but the last: h₋₁ of steps 1..T−1 in backward.
    save([x, kernel, recurrent, hsPrev, resetHiddenAll, ...zrs, ...candidates, ...hs.slice(0, hs.length - 1)]);
    return { value, gradFunc: (dy: tf.Tensor3D, kept: tf.Tensor[]) => backward(dy, kept, steps) };
  });
  return op(seq, weights.kernel, weights.recurrent, weights.bias) as tf.Tensor3D;
}

function splitColumns(w: tf.Tensor2D, u: number): { zr: tf.Tensor2D; n: tf.Tensor2D } {
  const rows = w.shape[0];
  return { zr: tf.slice(w, [0, 0], [rows, 2 * u]), n: tf.slice(w, [0, 2 * u], [rows, u]) };
}

interface Forward {
  /** [B, T, U] */
  value: tf.Tensor3D;
  /** [B, T, U]: h_{s−1} at step s (zero at s = 0), and r·h₋₁ of every step, batch-major like x */
  hsPrev: tf.Tensor3D;
  resetHiddenAll: tf.Tensor3D;
  /** per step: zr [B, 2U], the candidate n and h [B, U], kept as they are (no concat) for backward */
  zrs: tf.Tensor2D[];
  candidates: tf.Tensor2D[];
  hs: tf.Tensor2D[];
}

function forward(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrent: tf.Tensor2D,
  bias: tf.Tensor1D,
  steps: GruGateSteps,
): Forward {
  const [b, t, width] = x.shape;
  const u = recurrent.shape[0];
  const rec = splitColumns(recurrent, u);
  // The bias is added by the gate steps: a fused bias here would be one more pass over [B, T, 3U].
  const projected = tf.reshape(tf.matMul(tf.reshape(x, [b * t, width]), kernel), [b, t, 3 * u]) as tf.Tensor3D;
  const hs: tf.Tensor2D[] = [];
  const zrs: tf.Tensor2D[] = [];
  const candidates: tf.Tensor2D[] = [];
  const resetHiddens: tf.Tensor2D[] = [];
  const zeroState: tf.Tensor2D = tf.zeros([b, u]);
  let h = zeroState;
  for (let s = 0; s < t; s++) {
    // h₀ = 0, so step 0's recurrent products are zero: no matmuls.
    const a = steps.forwardA(projected, s > 0 ? tf.matMul(h, rec.zr) : tf.zeros([b, 2 * u]), bias, h, s);
    const out = steps.forwardB(projected, s > 0 ? tf.matMul(a.resetHidden, rec.n) : tf.zeros([b, u]), bias, a.zr, h, s);
    h = out.h;
    hs.push(h);
    zrs.push(a.zr);
    candidates.push(out.candidate);
    resetHiddens.push(a.resetHidden);
  }
  return {
    value: stackSteps(hs),
    hsPrev: stackSteps([zeroState, ...hs.slice(0, t - 1)]),
    resetHiddenAll: stackSteps(resetHiddens),
    zrs,
    candidates,
    hs,
  };
}

/**
 * BPTT, then the weight gradients as single products over every step, batch-major (the order of
 * x and dy), each gate group (z and r, n) stacked once: no Concat, Slice or Transpose of them.
 */
function backward(dy: tf.Tensor3D, kept: tf.Tensor[], steps: GruGateSteps): tf.Tensor[] {
  const [x, kernel, recurrent, hsPrev, resetHiddenAll] = kept as [
    tf.Tensor3D,
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor3D,
    tf.Tensor3D,
  ];
  const [b, t, width] = x.shape;
  const u = recurrent.shape[0];
  const zrs = kept.slice(5, 5 + t) as tf.Tensor2D[];
  const candidates = kept.slice(5 + t, 5 + 2 * t) as tf.Tensor2D[];
  const hs = kept.slice(5 + 2 * t) as tf.Tensor2D[];
  const rec = splitColumns(recurrent, u);
  // Transposed once here, not materialised again by every step's products.
  const recZrT = tf.transpose(rec.zr);
  const recNT = tf.transpose(rec.n);
  const dGatesZrPerStep = new Array<tf.Tensor2D>(t);
  const dNPerStep = new Array<tf.Tensor2D>(t);
  let dhRecurrent: tf.Tensor2D = tf.zeros([b, u]);
  let dhCarry: tf.Tensor2D = dhRecurrent;
  for (let s = t - 1; s >= 0; s--) {
    const hPrev = s > 0 ? hs[s - 1]! : null;
    const a = steps.backwardA(zrs[s]!, candidates[s]!, hPrev, dy, dhRecurrent, dhCarry, s);
    // r·h₀ = 0 at step 0: its gradient only matters for r, whose gradient there is 0 too.
    const dResetHidden: tf.Tensor2D = s > 0 ? tf.matMul(a.dN, recNT) : tf.zeros([b, u]);
    const out = steps.backwardB(zrs[s]!, hPrev, dResetHidden, a.dZ, a.dhDirect);
    dGatesZrPerStep[s] = out.dGatesZr;
    dNPerStep[s] = a.dN;
    dhCarry = out.dhCarry;
    if (s > 0) dhRecurrent = tf.matMul(out.dGatesZr, recZrT);
  }
  const dGatesZr = tf.reshape(stackSteps(dGatesZrPerStep), [b * t, 2 * u]) as tf.Tensor2D;
  const dN = tf.reshape(stackSteps(dNPerStep), [b * t, u]) as tf.Tensor2D;
  const xFlat = tf.reshape(x, [b * t, width]) as tf.Tensor2D;
  // Σ_s h_{s−1}ᵀ·dGates_zr,s (the rows of step 0 meet h₀ = 0) and Σ_s (r·h₋₁)ᵀ·dN_s.
  const flat = (x: tf.Tensor3D) => tf.reshape(x, [b * t, u]) as tf.Tensor2D;
  const dRecurrent = tf.concat(
    [tf.matMul(flat(hsPrev), dGatesZr, true, false), tf.matMul(flat(resetHiddenAll), dN, true, false)],
    1,
  );
  const dKernel = tf.concat([tf.matMul(xFlat, dGatesZr, true, false), tf.matMul(xFlat, dN, true, false)], 1);
  // Column sums as products with a row of ones: BLAS calls instead of reductions along axis 0.
  const ones = tf.ones([1, b * t]) as tf.Tensor2D;
  const dBias = tf.reshape(tf.concat([tf.matMul(ones, dGatesZr), tf.matMul(ones, dN)], 1), [3 * u]);
  const k = splitColumns(kernel, u);
  const dx = tf.reshape(tf.add(tf.matMul(dGatesZr, k.zr, false, true), tf.matMul(dN, k.n, false, true)), [b, t, width]);
  return [dx, dKernel, dRecurrent, dBias];
}
