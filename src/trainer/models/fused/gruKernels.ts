/**
 * The fused GRU gate steps as tfjs kernels for the cpu and wasm backends (two per time step and
 * direction instead of ~45 elementwise ones), running gruGateMath's loops. Registered on first use.
 */
import * as tf from '@tensorflow/tfjs';
import type { GruGateSteps } from './gruGateSteps';
import { gruCandidatePreactivations, gruGateBackwardA, gruGateBackwardB, gruHidden, gruResetHidden, gruZrPreactivations } from './gruGateMath';
import { type FusedKernelBody, type Memory, registerFusedKernel } from './lstmKernelMemory';

export const GRU_FORWARD_A = 'FusedGruGateForwardA';
export const GRU_FORWARD_B = 'FusedGruGateForwardB';
export const GRU_BACKWARD_A = 'FusedGruGateBackwardA';
export const GRU_BACKWARD_B = 'FusedGruGateBackwardB';

type Info = tf.TensorInfo;
const reader = (memory: Memory) => (x: Info | undefined) => memory.read(x!);

/** Outputs zr [B, 2U] (the sigmoid pass's own output) and r·h₋₁ [B, U]. Views are taken after each allocation: the wasm heap may move. */
const forwardA: FusedKernelBody = (memory, { projected, recurrentZr, hPrev }, { t }) => {
  const [batch, time, gates] = projected!.shape as [number, number, number];
  const dims = { batch, time, units: gates / 3 };
  const zPre = memory.allocate([[batch, 2 * dims.units]]).outputs[0]!;
  gruZrPreactivations(dims, t!, memory.read(projected!), memory.read(recurrentZr!), memory.read(zPre));
  const zr = memory.sigmoid(zPre);
  memory.release(zPre);
  const resetHidden = memory.allocate([[batch, dims.units]]).outputs[0]!;
  gruResetHidden(dims, memory.read(zr), memory.read(hPrev!), memory.read(resetHidden));
  return [zr, resetHidden];
};

/** Outputs h and the candidate n [B, U]. */
const forwardB: FusedKernelBody = (memory, { projected, recurrentN, zr, hPrev }, { t }) => {
  const [batch, time, gates] = projected!.shape as [number, number, number];
  const dims = { batch, time, units: gates / 3 };
  const nPre = memory.allocate([[batch, dims.units]]).outputs[0]!;
  gruCandidatePreactivations(dims, t!, memory.read(projected!), memory.read(recurrentN!), memory.read(nPre));
  const activated = memory.sigmoid(nPre);
  memory.release(nPre);
  const { outputs } = memory.allocate([[batch, dims.units], [batch, dims.units]]);
  const [h, candidate] = outputs.map((o) => memory.read(o)) as [Float32Array, Float32Array];
  gruHidden(dims, memory.read(activated), memory.read(zr!), memory.read(hPrev!), h, candidate);
  memory.release(activated);
  return outputs;
};

const backwardA: FusedKernelBody = (memory, { zrAll, candidatesAll, hsAll, dOutputs, dhRecurrent, dhCarry }, { t }) => {
  const [time, batch, units] = hsAll!.shape as [number, number, number];
  const { outputs, views } = memory.allocate([[batch, units], [batch, units], [batch, units]]);
  const read = reader(memory);
  const [dN, dZ, dhDirect] = views as [Float32Array, Float32Array, Float32Array];
  gruGateBackwardA({ batch, time, units }, t!, read(zrAll), read(candidatesAll), read(hsAll), read(dOutputs), read(dhRecurrent), read(dhCarry), dN, dZ, dhDirect);
  return outputs;
};

const backwardB: FusedKernelBody = (memory, { zrAll, hsAll, dResetHidden, dZ, dhDirect }, { t }) => {
  const [time, batch, units] = hsAll!.shape as [number, number, number];
  const { outputs, views } = memory.allocate([[batch, 2 * units], [batch, units]]);
  const read = reader(memory);
  gruGateBackwardB({ batch, time, units }, t!, read(zrAll), read(hsAll), read(dResetHidden), read(dZ), read(dhDirect), views[0]!, views[1]!);
  return outputs;
};

let registered = false;
function registerGruKernels(): void {
  if (registered) return;
  registerFusedKernel(GRU_FORWARD_A, forwardA);
  registerFusedKernel(GRU_FORWARD_B, forwardB);
  registerFusedKernel(GRU_BACKWARD_A, backwardA);
  registerFusedKernel(GRU_BACKWARD_B, backwardB);
  registered = true;
}

function run(name: string, inputs: Record<string, tf.Tensor>, t: number): tf.Tensor2D[] {
  registerGruKernels();
  return tf.engine().runKernel(name, inputs, { t }) as tf.Tensor2D[];
}

/** The gate steps as calls of the kernels above (the backend must be one of RNN_KERNEL_BACKENDS). */
export const kernelGruSteps: GruGateSteps = {
  forwardA(projected, recurrentZr, hPrev, t) {
    const [zr, resetHidden] = run(GRU_FORWARD_A, { projected, recurrentZr, hPrev }, t);
    return { zr: zr!, resetHidden: resetHidden! };
  },
  forwardB(projected, recurrentN, zr, hPrev, t) {
    const [h, candidate] = run(GRU_FORWARD_B, { projected, recurrentN, zr, hPrev }, t);
    return { h: h!, candidate: candidate! };
  },
  backwardA(zrAll, candidatesAll, hsAll, dOutputs, dhRecurrent, dhCarry, t) {
    const [dN, dZ, dhDirect] = run(GRU_BACKWARD_A, { zrAll, candidatesAll, hsAll, dOutputs, dhRecurrent, dhCarry }, t);
    return { dN: dN!, dZ: dZ!, dhDirect: dhDirect! };
  },
  backwardB(zrAll, hsAll, dResetHidden, dZ, dhDirect, t) {
    const [dGatesZr, dhCarry] = run(GRU_BACKWARD_B, { zrAll, hsAll, dResetHidden, dZ, dhDirect }, t);
    return { dGatesZr: dGatesZr!, dhCarry: dhCarry! };
  },
};
