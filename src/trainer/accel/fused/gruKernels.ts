/**
 * The fused GRU gate steps as tfjs kernels for the cpu and wasm backends (two per time step and
 * direction instead of ~45 elementwise ones): the SIMD loops of gruSimd.ts on the wasm heap,
 * gruGateMath's scalar loops on cpu (and wherever SIMD is missing). Registered on first use.
 */
import * as tf from '@tensorflow/tfjs';
import type { GruGateSteps } from './gruGateSteps';
import { gruBackwardA, gruBackwardB, gruForwardA, gruForwardB } from './gruGateMath';
import { GRU_SIMD, gruBackwardASimd, gruBackwardBSimd, gruForwardASimd, gruForwardBSimd } from './gruSimd';
import { type FusedKernelBody, registerFusedKernel } from './lstmKernelMemory';

export const GRU_FORWARD_A = 'FusedGruGateForwardA';
export const GRU_FORWARD_B = 'FusedGruGateForwardB';
export const GRU_BACKWARD_A = 'FusedGruGateBackwardA';
export const GRU_BACKWARD_B = 'FusedGruGateBackwardB';

type Info = tf.TensorInfo;

/** Outputs zr [B, 2U] and r·h₋₁ [B, U]. Views and SIMD loops only after the allocation: the wasm heap may move. */
const forwardA: FusedKernelBody = (memory, { projected, recurrentZr, bias, hPrev }, { t }) => {
  const [batch, time, gates] = projected!.shape as [number, number, number];
  const dims = { batch, time, units: gates / 3 };
  const { outputs, views } = memory.allocate([
    [batch, 2 * dims.units],
    [batch, dims.units],
  ]);
  const loops = memory.simdLoops(GRU_SIMD);
  const args = [
    dims,
    t!,
    memory.read(projected!),
    memory.read(recurrentZr!),
    memory.read(bias!),
    memory.read(hPrev!),
    views[0]!,
    views[1]!,
  ] as const;
  if (loops) gruForwardASimd(loops, ...args);
  else gruForwardA(...args);
  return outputs;
};

/** Outputs h and the candidate n [B, U]. */
const forwardB: FusedKernelBody = (memory, { projected, recurrentN, bias, zr, hPrev }, { t }) => {
  const [batch, time, gates] = projected!.shape as [number, number, number];
  const dims = { batch, time, units: gates / 3 };
  const { outputs, views } = memory.allocate([
    [batch, dims.units],
    [batch, dims.units],
  ]);
  const loops = memory.simdLoops(GRU_SIMD);
  const read = (x: Info | undefined) => memory.read(x!);
  const args = [
    dims,
    t!,
    read(projected),
    read(recurrentN),
    read(bias),
    read(zr),
    read(hPrev),
    views[0]!,
    views[1]!,
  ] as const;
  if (loops) gruForwardBSimd(loops, ...args);
  else gruForwardB(...args);
  return outputs;
};

/** Outputs dN, dZ, dh·z [B, U]; hPrev is absent at step 0. */
const backwardA: FusedKernelBody = (memory, { zr, candidate, hPrev, dOutputs, dhRecurrent, dhCarry }, { t }) => {
  const [batch, time, units] = dOutputs!.shape as [number, number, number];
  const { outputs, views } = memory.allocate([
    [batch, units],
    [batch, units],
    [batch, units],
  ]);
  const loops = memory.simdLoops(GRU_SIMD);
  const read = (x: Info | undefined) => memory.read(x!);
  const hp = hPrev ? read(hPrev) : null;
  const args = [
    { batch, time, units },
    t!,
    read(zr),
    read(candidate),
    hp,
    read(dOutputs),
    read(dhRecurrent),
    read(dhCarry),
    views[0]!,
    views[1]!,
    views[2]!,
  ] as const;
  if (loops) gruBackwardASimd(loops, ...args);
  else gruBackwardA(...args);
  return outputs;
};

/** Outputs dGates_zr [B, 2U] and dh carried to h₋₁ [B, U]; hPrev is absent at step 0. */
const backwardB: FusedKernelBody = (memory, { zr, hPrev, dResetHidden, dZ, dhDirect }) => {
  const [batch, units] = dZ!.shape as [number, number];
  const { outputs, views } = memory.allocate([
    [batch, 2 * units],
    [batch, units],
  ]);
  const loops = memory.simdLoops(GRU_SIMD);
  const read = (x: Info | undefined) => memory.read(x!);
  const args = [
    { batch, time: 1, units },
    read(zr),
    hPrev ? read(hPrev) : null,
    read(dResetHidden),
    read(dZ),
    read(dhDirect),
    views[0]!,
    views[1]!,
  ] as const;
  if (loops) gruBackwardBSimd(loops, ...args);
  else gruBackwardB(...args);
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

function run(name: string, inputs: Record<string, tf.Tensor | null>, t: number): tf.Tensor2D[] {
  registerGruKernels();
  const present: Record<string, tf.Tensor> = {};
  for (const [key, value] of Object.entries(inputs)) if (value) present[key] = value;
  return tf.engine().runKernel(name, present, { t }) as tf.Tensor2D[];
}

/** The gate steps as calls of the kernels above (the backend must be one of RNN_KERNEL_BACKENDS). */
export const kernelGruSteps: GruGateSteps = {
  forwardA(projected, recurrentZr, bias, hPrev, t) {
    const [zr, resetHidden] = run(GRU_FORWARD_A, { projected, recurrentZr, bias, hPrev }, t);
    return { zr: zr!, resetHidden: resetHidden! };
  },
  forwardB(projected, recurrentN, bias, zr, hPrev, t) {
    const [h, candidate] = run(GRU_FORWARD_B, { projected, recurrentN, bias, zr, hPrev }, t);
    return { h: h!, candidate: candidate! };
  },
  backwardA(zr, candidate, hPrev, dOutputs, dhRecurrent, dhCarry, t) {
    const [dN, dZ, dhDirect] = run(GRU_BACKWARD_A, { zr, candidate, hPrev, dOutputs, dhRecurrent, dhCarry }, t);
    return { dN: dN!, dZ: dZ!, dhDirect: dhDirect! };
  },
  backwardB(zr, hPrev, dResetHidden, dZ, dhDirect) {
    const [dGatesZr, dhCarry] = run(GRU_BACKWARD_B, { zr, hPrev, dResetHidden, dZ, dhDirect }, 0);
    return { dGatesZr: dGatesZr!, dhCarry: dhCarry! };
  },
};
