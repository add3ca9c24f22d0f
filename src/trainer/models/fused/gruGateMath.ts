/**
 * The elementwise parts of one GRU time step as plain loops over Float32Arrays, for the cpu and wasm
 * kernels (gruKernels.ts); gruComposite.ts is the same maths in tf ops. Gates z (update), r (reset),
 * candidate n: zr = σ(x_zr + h₋₁·R_zr), n = tanh(x_n + (r·h₋₁)·R_n), h = (1 − z)·n + z·h₋₁.
 * The candidate's matmul sits between two elementwise parts, so each direction has two steps; the
 * forward ones run their transcendentals as one backend sigmoid pass each (see lstmGateMath.ts).
 *
 * Layouts (row-major): projected [B, T, 3U] (batch-major, x·kernel + bias); per step [B, ·];
 * zrAll [T, B, 2U] (z then r, activated), candidatesAll and hsAll [T, B, U], time-major;
 * dOutputs [B, T, U].
 */
export interface GruDims {
  batch: number;
  time: number;
  units: number;
}

/** Forward part 1 of step t, before the sigmoid: x_zr + h₋₁·R_zr [B, 2U]. */
export function gruZrPreactivations(dims: GruDims, t: number, projected: Float32Array, recurrentZr: Float32Array, zPre: Float32Array): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const p = (b * time + t) * 3 * u;
    const g = b * 2 * u;
    for (let j = 0; j < 2 * u; j++) zPre[g + j] = projected[p + j]! + recurrentZr[g + j]!;
  }
}

/** Forward part 1 of step t, after the sigmoid: r·h₋₁ [B, U] from zr. */
export function gruResetHidden(dims: GruDims, zr: Float32Array, hPrev: Float32Array, resetHidden: Float32Array): void {
  const { batch, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const g = b * 2 * u + u;
    const row = b * u;
    for (let j = 0; j < u; j++) resetHidden[row + j] = zr[g + j]! * hPrev[row + j]!;
  }
}

/** Forward part 2 of step t, before the sigmoid: 2·(x_n + (r·h₋₁)·R_n) [B, U], as tanh(n) = 2σ(2n) − 1. */
export function gruCandidatePreactivations(dims: GruDims, t: number, projected: Float32Array, recurrentN: Float32Array, nPre: Float32Array): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const p = (b * time + t) * 3 * u + 2 * u;
    const row = b * u;
    for (let j = 0; j < u; j++) nPre[row + j] = 2 * (projected[p + j]! + recurrentN[row + j]!);
  }
}

/** Forward part 2 of step t, after the sigmoid: the candidate n and h [B, U]. */
export function gruHidden(dims: GruDims, sigmoidOfNPre: Float32Array, zr: Float32Array, hPrev: Float32Array, h: Float32Array, candidate: Float32Array): void {
  const { batch, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const g = b * 2 * u;
    const row = b * u;
    for (let j = 0; j < u; j++) {
      const n = 2 * sigmoidOfNPre[row + j]! - 1;
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
export function gruGateBackwardA(
  dims: GruDims,
  t: number,
  zrAll: Float32Array,
  candidatesAll: Float32Array,
  hsAll: Float32Array,
  dOutputs: Float32Array,
  dhRecurrent: Float32Array,
  dhCarry: Float32Array,
  dN: Float32Array,
  dZ: Float32Array,
  dhDirect: Float32Array,
): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const g = (t * batch + b) * 2 * u;
    const step = (t * batch + b) * u;
    const prev = ((t - 1) * batch + b) * u;
    const dy = (b * time + t) * u;
    const row = b * u;
    for (let j = 0; j < u; j++) {
      const z = zrAll[g + j]!;
      const n = candidatesAll[step + j]!;
      const hp = t > 0 ? hsAll[prev + j]! : 0;
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
export function gruGateBackwardB(
  dims: GruDims,
  t: number,
  zrAll: Float32Array,
  hsAll: Float32Array,
  dResetHidden: Float32Array,
  dZ: Float32Array,
  dhDirect: Float32Array,
  dGatesZr: Float32Array,
  dhCarry: Float32Array,
): void {
  const { batch, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const g = (t * batch + b) * 2 * u;
    const prev = ((t - 1) * batch + b) * u;
    const row = b * u;
    const out = b * 2 * u;
    for (let j = 0; j < u; j++) {
      const r = zrAll[g + u + j]!;
      const hp = t > 0 ? hsAll[prev + j]! : 0;
      const dRh = dResetHidden[row + j]!;
      dGatesZr[out + j] = dZ[row + j]!;
      dGatesZr[out + u + j] = dRh * hp * r * (1 - r);
      dhCarry[row + j] = dhDirect[row + j]! + dRh * r;
    }
  }
}
