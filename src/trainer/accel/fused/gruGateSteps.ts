/**
 * The elementwise parts of a GRU time step that the fused layer (gru.ts) calls, two per step and
 * direction: as custom kernels (gruKernels.ts, cpu and wasm) or as tf ops (gruComposite.ts, every
 * backend). Maths and layouts are those of gruGateMath.ts; hPrev is null at step 0 in backward.
 */
import type * as tf from '@tensorflow/tfjs';

type T1 = tf.Tensor1D;
type T2 = tf.Tensor2D;
type T3 = tf.Tensor3D;

export interface GruGateSteps {
  /** zr [B, 2U] and r·h₋₁ [B, U] from projected [B, T, 3U] (x·kernel), h₋₁·R_zr [B, 2U], the bias [3U] and h₋₁. */
  forwardA(projected: T3, recurrentZr: T2, bias: T1, hPrev: T2, t: number): { zr: T2; resetHidden: T2 };
  /** h and the candidate n [B, U] from projected, (r·h₋₁)·R_n [B, U], the bias, zr and h₋₁. */
  forwardB(projected: T3, recurrentN: T2, bias: T1, zr: T2, hPrev: T2, t: number): { h: T2; candidate: T2 };
  /** dN, dZ and dh·z [B, U] from step t's zr, n and h₋₁, the output gradient [B, T, U] and the two gradients reaching h_t from step t+1. */
  backwardA(
    zr: T2,
    candidate: T2,
    hPrev: T2 | null,
    dOutputs: T3,
    dhRecurrent: T2,
    dhCarry: T2,
    t: number,
  ): { dN: T2; dZ: T2; dhDirect: T2 };
  /** dGates_zr [B, 2U] and the gradient reaching h₋₁ other than through R_zr, given dRh = dN·R_nᵀ. */
  backwardB(zr: T2, hPrev: T2 | null, dResetHidden: T2, dZ: T2, dhDirect: T2): { dGatesZr: T2; dhCarry: T2 };
}
