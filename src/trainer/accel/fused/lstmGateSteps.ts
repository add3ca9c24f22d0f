/**
 * The two elementwise parts of an LSTM time step that the fused layer (lstm.ts) calls once per step:
 * as custom kernels (lstmKernels.ts, cpu and wasm) or as tf ops (lstmComposite.ts, every backend).
 * Layouts are those of lstmGateMath.ts.
 */
import type * as tf from '@tensorflow/tfjs';

export interface LstmGateSteps {
  /** Step t from projected [B, T, 4U] (x·kernel), h₋₁·recurrent [B, 4U], the bias [4U] and c₋₁ [B, U]: h, c [B, U] and saved [B, 5U] (i, f, g, o, tanh c). */
  forward(
    projected: tf.Tensor3D,
    recurrentPart: tf.Tensor2D,
    bias: tf.Tensor1D,
    cellPrev: tf.Tensor2D,
    t: number,
  ): { h: tf.Tensor2D; c: tf.Tensor2D; saved: tf.Tensor2D };
  /**
   * Backward of step t from its saved [B, 5U] and c₋₁ [B, U] (null at step 0), the output gradient
   * [B, T, U], the gradient reaching h_t through step t+1's recurrent product and dc_t from step t+1:
   * the pre-activation gate gradients [B, 4U] and dc₋₁ [B, U].
   */
  backward(
    saved: tf.Tensor2D,
    cellPrev: tf.Tensor2D | null,
    dOutputs: tf.Tensor3D,
    dhRecurrent: tf.Tensor2D,
    dcNext: tf.Tensor2D,
    t: number,
  ): { dGates: tf.Tensor2D; dcPrev: tf.Tensor2D };
}
