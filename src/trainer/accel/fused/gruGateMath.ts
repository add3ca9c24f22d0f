/**
 * The elementwise parts of one GRU time step as plain scalar loops over Float32Arrays: what the cpu
 * kernels run (gruKernels.ts), the columns the wasm SIMD loops (gruSimd.ts) leave over from groups
 * of 4, and their reference; gruComposite.ts is the same maths in tf ops. Gates z (update), r
 * (reset), candidate n: zr = σ(x_zr + h₋₁·R_zr + b_zr), n = tanh(x_n + (r·h₋₁)·R_n + b_n),
 * h = (1 − z)·n + z·h₋₁. The candidate's matmul sits between two elementwise parts, so each
 * direction has two steps. Each function covers columns from..U of every row.
 *
 * Layouts (row-major): projected [B, T, 3U] (batch-major, x·kernel without bias), bias [3U]; per
 * step [B, ·]: zr [B, 2U] (z then r, activated), candidate n, h, r·h₋₁ [B, U]; dOutputs [B, T, U];
 * h₋₁ is null at step 0 (zero).
 */
import { tanhRational } from '../kernels/tanhRational';

export interface GruDims {
  batch: number;
  time: number;
  units: number;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Forward part 1 of step t: zr [B, 2U] and r·h₋₁ [B, U]. */
export function gruForwardA(
  dims: GruDims,
  t: number,
  projected: Float32Array,
  recurrentZr: Float32Array,
  bias: Float32Array,
  hPrev: Float32Array,
  zr: Float32Array,
  resetHidden: Float32Array,
  from = 0,
): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const p = (b * time + t) * 3 * u;
    const g = b * 2 * u;
    const row = b * u;
    for (let j = from; j < u; j++) {
      zr[g + j] = sigmoid(projected[p + j]! + recurrentZr[g + j]! + bias[j]!);
      const r = sigmoid(projected[p + u + j]! + recurrentZr[g + u + j]! + bias[u + j]!);
      zr[g + u + j] = r;
      resetHidden[row + j] = r * hPrev[row + j]!;
    }
  }
}

/** Forward part 2 of step t, given (r·h₋₁)·R_n [B, U]: h and the candidate n [B, U]. */
export function gruForwardB(
  dims: GruDims,
  t: number,
  projected: Float32Array,
  recurrentN: Float32Array,
  bias: Float32Array,
  zr: Float32Array,
  hPrev: Float32Array,
  h: Float32Array,
  candidate: Float32Array,
  from = 0,
): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const p = (b * time + t) * 3 * u + 2 * u;
    const g = b * 2 * u;
    const row = b * u;
    for (let j = from; j < u; j++) {
      const n = tanhRational(projected[p + j]! + recurrentN[row + j]! + bias[2 * u + j]!);
      const z = zr[g + j]!;
      candidate[row + j] = n;
      h[row + j] = (1 - z) * n + z * hPrev[row + j]!;
    }
  }
}

/**
 * Backward part 1 of step t. dh = dOutputs[:, t] + dhRecurrent (step t+1's dGates_zr·R_zrᵀ) + dhCarry
 * (step t+1's other paths to h_t). Writes the candidate's pre-activation gradient dN, z's dZ, and the
 * direct path dh·z to h₋₁.
 */
export function gruBackwardA(
  dims: GruDims,
  t: number,
  zr: Float32Array,
  candidate: Float32Array,
  hPrev: Float32Array | null,
  dOutputs: Float32Array,
  dhRecurrent: Float32Array,
  dhCarry: Float32Array,
  dN: Float32Array,
  dZ: Float32Array,
  dhDirect: Float32Array,
  from = 0,
): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const g = b * 2 * u;
    const dy = (b * time + t) * u;
    const row = b * u;
    for (let j = from; j < u; j++) {
      const z = zr[g + j]!;
      const n = candidate[row + j]!;
      const hp = hPrev ? hPrev[row + j]! : 0;
      const dh = dOutputs[dy + j]! + dhRecurrent[row + j]! + dhCarry[row + j]!;
      dN[row + j] = dh * (1 - z) * (1 - n * n);
      dZ[row + j] = dh * (hp - n) * z * (1 - z);
      dhDirect[row + j] = dh * z;
    }
  }
}

/**
 * Backward part 2 of step t, given dRh = dN·R_nᵀ (the gradient of r·h₋₁): the gate gradients
 * dGatesZr [B, 2U] (dZ, then r's) and everything reaching h₋₁ except through R_zr.
 */
export function gruBackwardB(
  dims: GruDims,
  zr: Float32Array,
  hPrev: Float32Array | null,
  dResetHidden: Float32Array,
  dZ: Float32Array,
  dhDirect: Float32Array,
  dGatesZr: Float32Array,
  dhCarry: Float32Array,
  from = 0,
): void {
  const { batch, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const g = b * 2 * u;
    const row = b * u;
    for (let j = from; j < u; j++) {
      const r = zr[g + u + j]!;
      const hp = hPrev ? hPrev[row + j]! : 0;
      const dRh = dResetHidden[row + j]!;
      dGatesZr[g + j] = dZ[row + j]!;
      dGatesZr[g + u + j] = dRh * hp * r * (1 - r);
      dhCarry[row + j] = dhDirect[row + j]! + dRh * r;
    }
  }
}
