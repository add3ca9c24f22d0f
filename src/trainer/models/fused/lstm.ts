/**
 * One LSTM layer over a whole sequence as a single op with its own gradient (cuDNN-style):
 * - forward: the input projection of every time step is one matmul; each step is then one
 *   `h·recurrent` matmul (whatever BatchMatMul kernel is registered) and one fused gate step that also
 *   keeps what backward needs;
 * - backward: BPTT with one fused gate step and one `dGates·recurrentᵀ` matmul per step; the weight
 *   gradients are single matmuls over all steps at the end (hsᵀ·dGates, xsᵀ·dGates, a sum for the bias).
 * No Concat, Unpack or stack per step: each step's tensors are concatenated once at the end.
 * Same maths, weight names and shapes as the op-by-op layer (lstmReference.ts), gate order i, f, g, o.
 */
import * as tf from '@tensorflow/tfjs';
import { compositeGateSteps } from './lstmComposite';
import type { LstmGateSteps } from './lstmGateSteps';
import { hasRnnKernels } from './lstmKernelMemory';
import { kernelGateSteps } from './lstmKernels';

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
export function fusedLstm(seq: tf.Tensor3D, weights: LstmWeights, steps: LstmGateSteps = gateStepsForBackend(tf.getBackend())): tf.Tensor3D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, kernel, recurrent, bias] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[4] as tf.GradSaveFunc;
    const { value, hsAll, cellsAll, savedAll } = forward(x, kernel, recurrent, bias, steps);
    save([x, kernel, recurrent, hsAll, cellsAll, savedAll]);
    return { value, gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => backward(dy, saved, steps) };
  });
  return op(seq, weights.kernel, weights.recurrent, weights.bias) as tf.Tensor3D;
}

interface Forward {
  value: tf.Tensor3D;
  /** [T·B, U], time-major */
  hsAll: tf.Tensor2D;
  /** [T, B, U] */
  cellsAll: tf.Tensor3D;
  /** [T, B, 5U] */
  savedAll: tf.Tensor3D;
}

function forward(x: tf.Tensor3D, kernel: tf.Tensor2D, recurrent: tf.Tensor2D, bias: tf.Tensor1D, steps: LstmGateSteps): Forward {
  const [b, t, width] = x.shape;
  const u = recurrent.shape[0];
  const projected = tf.reshape(tf.fused.matMul({ a: tf.reshape(x, [b * t, width]), b: kernel, bias }), [b, t, 4 * u]) as tf.Tensor3D;
  const hs: tf.Tensor2D[] = [];
  const cells: tf.Tensor2D[] = [];
  const saved: tf.Tensor2D[] = [];
  let c: tf.Tensor2D = tf.zeros([b, u]);
  // h₀ = 0, so step 0's recurrent product is zero: no matmul.
  let recurrentPart: tf.Tensor2D = tf.zeros([b, 4 * u]);
  for (let s = 0; s < t; s++) {
    if (s > 0) recurrentPart = tf.matMul(hs[s - 1]!, recurrent);
    const out = steps.forward(projected, recurrentPart, c, s);
    c = out.c;
    hs.push(out.h);
    cells.push(out.c);
    saved.push(out.saved);
  }
  const hsAll = tf.concat(hs, 0);
  return {
    value: tf.transpose(tf.reshape(hsAll, [t, b, u]), [1, 0, 2]),
    hsAll,
    cellsAll: tf.reshape(tf.concat(cells, 0), [t, b, u]),
    savedAll: tf.reshape(tf.concat(saved, 0), [t, b, 5 * u]),
  };
}

function backward(dy: tf.Tensor3D, saved: tf.Tensor[], steps: LstmGateSteps): tf.Tensor[] {
  const [x, kernel, recurrent, hsAll, cellsAll, savedAll] = saved as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor3D];
  const [b, t, width] = x.shape;
  const u = recurrent.shape[0];
  const dGatesPerStep: tf.Tensor2D[] = new Array<tf.Tensor2D>(t);
  // Transposed once here, not materialised again by every step's dGates·recurrentᵀ.
  const recurrentT = tf.transpose(recurrent);
  let dhRecurrent: tf.Tensor2D = tf.zeros([b, u]);
  let dc: tf.Tensor2D = dhRecurrent;
  for (let s = t - 1; s >= 0; s--) {
    const out = steps.backward(savedAll, cellsAll, dy, dhRecurrent, dc, s);
    dGatesPerStep[s] = out.dGates;
    dc = out.dcPrev;
    if (s > 0) dhRecurrent = tf.matMul(out.dGates, recurrentT);
  }
  const dGates = tf.concat(dGatesPerStep, 0); // [T·B, 4U], time-major
  // h_{s-1}ᵀ·dGates_s summed over s ≥ 1 (h₀ = 0 adds nothing): rows 0..T-2 of hs against rows 1..T-1 of dGates.
  const dRecurrent =
    t > 1 ? tf.matMul(tf.slice(hsAll, [0, 0], [(t - 1) * b, u]), tf.slice(dGates, [b, 0], [(t - 1) * b, 4 * u]), true, false) : tf.zerosLike(recurrent);
  const dGatesBatchMajor = tf.reshape(tf.transpose(tf.reshape(dGates, [t, b, 4 * u]), [1, 0, 2]), [b * t, 4 * u]);
  const dKernel = tf.matMul(tf.reshape(x, [b * t, width]), dGatesBatchMajor, true, false);
  const dBias = tf.sum(dGates, 0);
  const dx = tf.reshape(tf.matMul(dGatesBatchMajor, kernel, false, true), [b, t, width]);
  return [dx, dKernel, dRecurrent, dBias];
}
