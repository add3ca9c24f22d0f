/**
 * Per-step tensors [B, C] of a fused RNN stacked batch-major into one [B, T, C] in a single copy:
 * the layout the layer's output and its weight-gradient products want, with no Concat (slow on wasm
 * for many pieces) and no Transpose from time-major. A kernel on cpu and wasm, tf.stack elsewhere.
 */
import * as tf from '@tensorflow/tfjs';
import { type FusedKernelBody, hasRnnKernels, registerFusedKernel } from './lstmKernelMemory';

export const STACK_STEPS = 'FusedStackSteps';

/** inputs s0 … s{T−1}, each [B, C]; output [B, T, C]. */
const stackBody: FusedKernelBody = (memory, inputs) => {
  const steps = Object.keys(inputs).length;
  const [batch, width] = inputs.s0!.shape as [number, number];
  const { outputs } = memory.allocate([[batch, steps, width]]);
  const out = memory.read(outputs[0]!); // after the allocation: the heap may have moved
  for (let t = 0; t < steps; t++) {
    const step = memory.read(inputs[`s${t}`]!);
    for (let b = 0; b < batch; b++) out.set(step.subarray(b * width, (b + 1) * width), (b * steps + t) * width);
  }
  return outputs;
};

let registered = false;

/** [B, T, C] from T tensors [B, C] (all the same shape, float32). */
export function stackSteps(steps: tf.Tensor2D[]): tf.Tensor3D {
  if (!hasRnnKernels(tf.getBackend())) return tf.stack(steps, 1) as tf.Tensor3D;
  if (!registered) {
    registerFusedKernel(STACK_STEPS, stackBody);
    registered = true;
  }
  const inputs: Record<string, tf.Tensor> = {};
  steps.forEach((s, t) => (inputs[`s${t}`] = s));
  const [stacked] = tf.engine().runKernel(STACK_STEPS, inputs, {}) as tf.Tensor3D[];
  return stacked!;
}
