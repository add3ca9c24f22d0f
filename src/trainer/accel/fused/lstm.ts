/**
 * One LSTM layer over a whole sequence as a single op with its own gradient (cuDNN-style):
 * - forward: the input projection of every time step is one matmul; each step is then one
 *   `h·recurrent` matmul (whatever BatchMatMul kernel is registered) and one fused gate step that also
 *   keeps what backward needs;
 * - backward: BPTT with one fused gate step and one `dGates·recurrentᵀ` matmul per step; the weight
 *   gradients are single matmuls over all steps at the end (hsᵀ·dGates, xsᵀ·dGates, onesᵀ·dGates).
 * No Concat, Unpack or stack per step: each step's outputs are stacked once, batch-major, at the end.
 * Same maths, weight names and shapes as the op-by-op layer (test/unit/trainer/models/lstmReference.ts), gate order i, f, g, o.
 */
import * as tf from '@tensorflow/tfjs';
import { compositeGateSteps } from './lstmComposite';
import type { LstmGateSteps } from './lstmGateSteps';
import { hasRnnKernels } from './lstmKernelMemory';
import { kernelGateSteps } from './lstmKernels';
import { stackSteps } from './lstmStepStack';

export interface LstmWeights {
  /** [in, 4U] */
  kernel: tf.Tensor2D;
  /** [U, 4U] */
  recurrent: tf.Tensor2D;
  /** [4U] */
  bias: tf.Tensor1D;
}

/** The custom kernels where the active backend has them, tf ops elsewhere. */
export function gateStepsForBackend(backendName: string): LstmGateSteps {
  return hasRnnKernels(backendName) ? kernelGateSteps : compositeGateSteps;
}

/** Runs the layer over [batch, time, in] from zero state; returns every h as [batch, time, units]. */
export function fusedLstm(
  seq: tf.Tensor3D,
  weights: LstmWeights,
  steps: LstmGateSteps = gateStepsForBackend(tf.getBackend()),
): tf.Tensor3D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, kernel, recurrent, bias] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[4] as tf.GradSaveFunc;
    const { value, hsPrev, saved, cells } = forward(x, kernel, recurrent, bias, steps);
    save([x, kernel, recurrent, hsPrev, ...saved, ...cells]);
    return { value, gradFunc: (dy: tf.Tensor3D, kept: tf.Tensor[]) => backward(dy, kept, steps) };
  });
  return op(seq, weights.kernel, weights.recurrent, weights.bias) as tf.Tensor3D;
}

interface Forward {
  /** [B, T, U] */
  value: tf.Tensor3D;
  /** [B, T, U]: h_{s−1} at step s, zero at s = 0 (the left operand of the recurrent kernel's gradient) */
  hsPrev: tf.Tensor3D;
  /** per step: [B, 5U] (i, f, g, o, tanh c) and c [B, U], kept as they are (no concat) for backward */
  saved: tf.Tensor2D[];
  cells: tf.Tensor2D[];
}

function forward(
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrent: tf.Tensor2D,
  bias: tf.Tensor1D,
  steps: LstmGateSteps,
): Forward {
  const [b, t, width] = x.shape;
  const u = recurrent.shape[0];
  // The bias is added by the gate step: a fused bias here would be one more pass over [B, T, 4U].
  const projected = tf.reshape(tf.matMul(tf.reshape(x, [b * t, width]), kernel), [b, t, 4 * u]) as tf.Tensor3D;
  const hs: tf.Tensor2D[] = [];
  const cells: tf.Tensor2D[] = [];
  const saved: tf.Tensor2D[] = [];
  const zeroState: tf.Tensor2D = tf.zeros([b, u]);
  let c = zeroState;
  // h₀ = 0, so step 0's recurrent product is zero: no matmul.
  let recurrentPart: tf.Tensor2D = tf.zeros([b, 4 * u]);
  for (let s = 0; s < t; s++) {
    if (s > 0) recurrentPart = tf.matMul(hs[s - 1]!, recurrent);
    const out = steps.forward(projected, recurrentPart, bias, c, s);
    c = out.c;
    hs.push(out.h);
    cells.push(out.c);
    saved.push(out.saved);
  }
  return { value: stackSteps(hs), hsPrev: stackSteps([zeroState, ...hs.slice(0, t - 1)]), saved, cells };
}

/**
 * BPTT, then the weight gradients as single products over every step, batch-major (the order of
 * x and dy): dGates [B·T, 4U] from one stack of the steps, no Concat, Slice or Transpose of it.
 */
function backward(dy: tf.Tensor3D, kept: tf.Tensor[], steps: LstmGateSteps): tf.Tensor[] {
  const [x, kernel, recurrent, hsPrev] = kept as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D];
  const [b, t, width] = x.shape;
  const u = recurrent.shape[0];
  const saved = kept.slice(4, 4 + t) as tf.Tensor2D[];
  const cells = kept.slice(4 + t, 4 + 2 * t) as tf.Tensor2D[];
  const dGatesPerStep: tf.Tensor2D[] = new Array<tf.Tensor2D>(t);
  // Transposed once here, not materialised again by every step's dGates·recurrentᵀ.
  const recurrentT = tf.transpose(recurrent);
  let dhRecurrent: tf.Tensor2D = tf.zeros([b, u]);
  let dc: tf.Tensor2D = dhRecurrent;
  for (let s = t - 1; s >= 0; s--) {
    const out = steps.backward(saved[s]!, s > 0 ? cells[s - 1]! : null, dy, dhRecurrent, dc, s);
    dGatesPerStep[s] = out.dGates;
    dc = out.dcPrev;
    if (s > 0) dhRecurrent = tf.matMul(out.dGates, recurrentT);
  }
  const dGates = tf.reshape(stackSteps(dGatesPerStep), [b * t, 4 * u]) as tf.Tensor2D;
  // Σ_s h_{s−1}ᵀ·dGates_s: the rows of step 0 meet h₀ = 0 and add nothing.
  const dRecurrent = tf.matMul(tf.reshape(hsPrev, [b * t, u]) as tf.Tensor2D, dGates, true, false);
  const dKernel = tf.matMul(tf.reshape(x, [b * t, width]) as tf.Tensor2D, dGates, true, false);
  // Column sums as a product with a row of ones: one BLAS call instead of a reduction along axis 0.
  const dBias = tf.reshape(tf.matMul(tf.ones([1, b * t]) as tf.Tensor2D, dGates), [4 * u]);
  const dx = tf.reshape(tf.matMul(dGates, kernel, false, true), [b, t, width]);
  return [dx, dKernel, dRecurrent, dBias];
}
