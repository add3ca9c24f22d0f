/**
 * The fused LSTM gate steps as tfjs kernels for the cpu and wasm backends: one kernel call per time
 * step and direction instead of ~70 elementwise ones. On the wasm heap they run the SIMD loops of
 * lstmSimd.ts; on cpu (and wherever SIMD is missing) lstmGateMath's loops. Registered on first use.
 */
import * as tf from '@tensorflow/tfjs';
import { type FusedKernelBody, type Memory, registerFusedKernel } from './lstmKernelMemory';
import type { LstmGateSteps } from './lstmGateSteps';
import { type LstmDims, lstmGateBackward, lstmGateCells, lstmGatePreactivations } from './lstmGateMath';
import { LSTM_SIMD, lstmBackwardSimd, lstmForwardSimd } from './lstmSimd';

export const LSTM_GATE_FORWARD = 'FusedLstmGateForward';
export const LSTM_GATE_BACKWARD = 'FusedLstmGateBackward';

type Info = tf.TensorInfo;

/** inputs: projected [B, T, 4U], recurrentPart [B, 4U], bias [4U], cellPrev [B, U]; attrs: t. Outputs h, c [B, U], saved [B, 5U]. */
const gateForward: FusedKernelBody = (memory, { projected, recurrentPart, bias, cellPrev }, { t }) => {
  const [batch, time, gates] = projected!.shape as [number, number, number];
  const dims = { batch, time, units: gates / 4 };
  const { outputs } = memory.allocate([
    [batch, dims.units],
    [batch, dims.units],
    [batch, 5 * dims.units],
  ]);
  const loops = memory.simdLoops(LSTM_SIMD);
  if (!loops) return forwardInTwoPasses(memory, dims, t!, [projected!, recurrentPart!, bias!, cellPrev!], outputs);
  // Views only now: the allocation above may have moved the wasm heap.
  const [h, c, saved] = outputs.map((o) => memory.read(o)) as [Float32Array, Float32Array, Float32Array];
  lstmForwardSimd(
    loops,
    dims,
    t!,
    memory.read(projected!),
    memory.read(recurrentPart!),
    memory.read(bias!),
    memory.read(cellPrev!),
    h,
    c,
    saved,
  );
  return outputs;
};

/** Pre-activations, one backend sigmoid pass, then the cells (lstmGateMath.ts). */
function forwardInTwoPasses(
  memory: Memory,
  dims: LstmDims,
  t: number,
  [projected, recurrentPart, bias, cellPrev]: Info[],
  outputs: Info[],
): Info[] {
  const z = memory.allocate([[dims.batch, 4 * dims.units]]).outputs[0]!;
  lstmGatePreactivations(
    dims,
    t,
    memory.read(projected!),
    memory.read(recurrentPart!),
    memory.read(bias!),
    memory.read(z),
  );
  const activated = memory.sigmoid(z);
  memory.release(z);
  const [h, c, saved] = outputs.map((o) => memory.read(o)) as [Float32Array, Float32Array, Float32Array];
  lstmGateCells(dims, memory.read(activated), memory.read(cellPrev!), h, c, saved);
  memory.release(activated);
  return outputs;
}

/**
 * inputs: saved [B, 5U], cellPrev [B, U] (absent at step 0), dOutputs [B, T, U], dhRecurrent,
 * dcNext [B, U]; attrs: t. Outputs dGates [B, 4U], dcPrev [B, U].
 */
const gateBackward: FusedKernelBody = (memory, { saved, cellPrev, dOutputs, dhRecurrent, dcNext }, { t }) => {
  const [batch, time, units] = dOutputs!.shape as [number, number, number];
  const { outputs, views } = memory.allocate([
    [batch, 4 * units],
    [batch, units],
  ]);
  const loops = memory.simdLoops(LSTM_SIMD);
  const [dGates, dcPrev] = views as [Float32Array, Float32Array];
  const read = (x: Info | undefined) => memory.read(x!);
  const args = [
    { batch, time, units },
    t!,
    read(saved),
    cellPrev ? read(cellPrev) : null,
    read(dOutputs),
    read(dhRecurrent),
    read(dcNext),
    dGates,
    dcPrev,
  ] as const;
  if (loops) lstmBackwardSimd(loops, ...args);
  else lstmGateBackward(...args);
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
  forward(projected, recurrentPart, bias, cellPrev, t) {
    registerLstmKernels();
    const [h, c, saved] = tf
      .engine()
      .runKernel(LSTM_GATE_FORWARD, { projected, recurrentPart, bias, cellPrev }, { t }) as tf.Tensor2D[];
    return { h: h!, c: c!, saved: saved! };
  },
  backward(saved, cellPrev, dOutputs, dhRecurrent, dcNext, t) {
    registerLstmKernels();
    const inputs: Record<string, tf.Tensor> = { saved, dOutputs, dhRecurrent, dcNext };
    if (cellPrev) inputs.cellPrev = cellPrev;
    const [dGates, dcPrev] = tf.engine().runKernel(LSTM_GATE_BACKWARD, inputs, { t }) as tf.Tensor2D[];
    return { dGates: dGates!, dcPrev: dcPrev! };
  },
};
