/**
 * The fused LSTM gate steps as tfjs kernels for the cpu and wasm backends: one kernel call per time
 * step and direction instead of ~70 elementwise ones. Both run lstmGateMath's loops on their own
 * memory (lstmKernelMemory.ts). Registered on first use.
 */
import * as tf from '@tensorflow/tfjs';
import { type FusedKernelBody, registerFusedKernel } from './lstmKernelMemory';
import type { LstmGateSteps } from './lstmGateSteps';
import { lstmGateBackward, lstmGateCells, lstmGatePreactivations } from './lstmGateMath';

export const LSTM_GATE_FORWARD = 'FusedLstmGateForward';
export const LSTM_GATE_BACKWARD = 'FusedLstmGateBackward';

/** inputs: projected [B, T, 4U], recurrentPart [B, 4U], cellPrev [B, U]; attrs: t. Outputs h, c [B, U], saved [B, 5U]. */
const gateForward: FusedKernelBody = (memory, { projected, recurrentPart, cellPrev }, { t }) => {
  const [batch, time, gates] = projected!.shape as [number, number, number];
  const dims = { batch, time, units: gates / 4 };
  const z = memory.allocate([[batch, gates]]).outputs[0]!;
  lstmGatePreactivations(dims, t!, memory.read(projected!), memory.read(recurrentPart!), memory.read(z));
  const activated = memory.sigmoid(z);
  memory.release(z);
  const { outputs } = memory.allocate([[batch, dims.units], [batch, dims.units], [batch, 5 * dims.units]]);
  // Views only now: every allocation above may have moved the wasm heap.
  const [h, c, saved] = outputs.map((o) => memory.read(o)) as [Float32Array, Float32Array, Float32Array];
  lstmGateCells(dims, memory.read(activated), memory.read(cellPrev!), h, c, saved);
  memory.release(activated);
  return outputs;
};

/** inputs: savedAll [T, B, 5U], cellsAll [T, B, U], dOutputs [B, T, U], dhRecurrent, dcNext [B, U]; attrs: t. Outputs dGates [B, 4U], dcPrev [B, U]. */
const gateBackward: FusedKernelBody = (memory, { savedAll, cellsAll, dOutputs, dhRecurrent, dcNext }, { t }) => {
  const [time, batch, units] = cellsAll!.shape as [number, number, number];
  const { outputs, views } = memory.allocate([[batch, 4 * units], [batch, units]]);
  const [dGates, dcPrev] = views as [Float32Array, Float32Array];
  const read = (x: tf.TensorInfo | undefined) => memory.read(x!);
  lstmGateBackward({ batch, time, units }, t!, read(savedAll), read(cellsAll), read(dOutputs), read(dhRecurrent), read(dcNext), dGates, dcPrev);
  return outputs;
};

let registered = false;
function registerLstmKernels(): void {
  if (registered) return;
  registerFusedKernel(LSTM_GATE_FORWARD, gateForward);
  registerFusedKernel(LSTM_GATE_BACKWARD, gateBackward);
  registered = true;
}

/** The gate steps as calls of the kernels above (the backend must be one of RNN_KERNEL_BACKENDS). */
export const kernelGateSteps: LstmGateSteps = {
  forward(projected, recurrentPart, cellPrev, t) {
    registerLstmKernels();
    const [h, c, saved] = tf.engine().runKernel(LSTM_GATE_FORWARD, { projected, recurrentPart, cellPrev }, { t }) as tf.Tensor2D[];
    return { h: h!, c: c!, saved: saved! };
  },
  backward(savedAll, cellsAll, dOutputs, dhRecurrent, dcNext, t) {
    registerLstmKernels();
    const [dGates, dcPrev] = tf.engine().runKernel(LSTM_GATE_BACKWARD, { savedAll, cellsAll, dOutputs, dhRecurrent, dcNext }, { t }) as tf.Tensor2D[];
    return { dGates: dGates!, dcPrev: dcPrev! };
  },
};
