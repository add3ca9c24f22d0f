/**
 * The elementwise part of one LSTM time step, forward and backward, as plain loops over Float32Arrays.
 * The cpu and wasm kernels (lstmKernels.ts) run these on their own memory; lstmComposite.ts is the
 * same maths in tf ops. Gate order i, f, g, o; c = f·c₋₁ + i·g; h = o·tanh(c).
 *
 * Layouts (row-major):
 *   projected [B, T, 4U]   x·kernel for every time step, batch-major as the model produces it
 *   recurrentPart [B, 4U]  h₋₁·recurrent for this step
 *   bias [4U]              added here rather than by the projection (one pass fewer over [B, T, 4U])
 *   saved [B, 5U]          per row: i, f, g, o (activated) and tanh(c): what backward needs
 *   cellPrev [B, U]        c₋₁ (null at step 0: zero)
 *   dOutputs [B, T, U]     gradient of the layer's output sequence
 *
 * On the cpu backend the gates' sigmoids run as one backend sigmoid pass per step (with
 * tanh(g) = 2σ(2g) − 1); tanh(c) uses tanhRational (within 2.4e-7 of Math.tanh). On wasm the
 * SIMD loops of lstmSimd.ts do the whole step in one pass, and `lstmGateForwardColumns` (the same
 * maths in one scalar pass) takes the columns left over from groups of 4.
 */
import { tanhRational } from '../kernels/tanhRational';

export interface LstmDims {
  batch: number;
  time: number;
  units: number;
}

/**
 * Forward step t, part 1: the pre-activations z = projected[:, t] + h₋₁·recurrent [B, 4U], with the
 * g block doubled so that one sigmoid pass over z gives all four gates (tanh(g) = 2σ(2g) − 1).
 */
export function lstmGatePreactivations(
  dims: LstmDims,
  t: number,
  projected: Float32Array,
  recurrentPart: Float32Array,
  bias: Float32Array,
  z: Float32Array,
): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const p = (b * time + t) * 4 * u;
    const r = b * 4 * u;
    for (let j = 0; j < 2 * u; j++) z[r + j] = projected[p + j]! + recurrentPart[r + j]! + bias[j]!;
    for (let j = 2 * u; j < 3 * u; j++) z[r + j] = 2 * (projected[p + j]! + recurrentPart[r + j]! + bias[j]!);
    for (let j = 3 * u; j < 4 * u; j++) z[r + j] = projected[p + j]! + recurrentPart[r + j]! + bias[j]!;
  }
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Forward step t in one scalar pass over columns from..U of every row: writes h, c and saved there. */
export function lstmGateForwardColumns(
  dims: LstmDims,
  t: number,
  projected: Float32Array,
  recurrentPart: Float32Array,
  bias: Float32Array,
  cellPrev: Float32Array,
  h: Float32Array,
  c: Float32Array,
  saved: Float32Array,
  from: number,
): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const p = (b * time + t) * 4 * u;
    const r = b * 4 * u;
    const s = b * 5 * u;
    const row = b * u;
    for (let j = from; j < u; j++) {
      const z = (k: number) => projected[p + k * u + j]! + recurrentPart[r + k * u + j]! + bias[k * u + j]!;
      const i = sigmoid(z(0));
      const f = sigmoid(z(1));
      const g = tanhRational(z(2));
      const o = sigmoid(z(3));
      c[row + j] = f * cellPrev[row + j]! + i * g;
      const tc = tanhRational(c[row + j]!);
      h[row + j] = o * tc;
      saved[s + j] = i;
      saved[s + u + j] = f;
      saved[s + 2 * u + j] = g;
      saved[s + 3 * u + j] = o;
      saved[s + 4 * u + j] = tc;
    }
  }
}

/** Forward step t, part 2: from σ(z) [B, 4U] and c₋₁, writes h, c and saved (each fully). */
export function lstmGateCells(
  dims: LstmDims,
  activated: Float32Array,
  cellPrev: Float32Array,
  h: Float32Array,
  c: Float32Array,
  saved: Float32Array,
): void {
  const { batch, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const a = b * 4 * u;
    const s = b * 5 * u;
    const row = b * u;
    for (let j = 0; j < u; j++) {
      const i = activated[a + j]!;
      const f = activated[a + u + j]!;
      const g = 2 * activated[a + 2 * u + j]! - 1;
      const o = activated[a + 3 * u + j]!;
      c[row + j] = f * cellPrev[row + j]! + i * g;
      // tanh of the stored (float32) cell, as the op-by-op path computes it.
      const tc = tanhRational(c[row + j]!);
      h[row + j] = o * tc;
      saved[s + j] = i;
      saved[s + u + j] = f;
      saved[s + 2 * u + j] = g;
      saved[s + 3 * u + j] = o;
      saved[s + 4 * u + j] = tc;
    }
  }
}

/**
 * Backward step t over columns from..U. dh = dOutputs[:, t] + dhRecurrent (from step t+1 through
 * the recurrent kernel); writes the pre-activation gate gradients dGates [B, 4U] and the cell
 * gradient for step t−1, from step t's saved [B, 5U] and c₋₁ (null at step 0).
 */
export function lstmGateBackward(
  dims: LstmDims,
  t: number,
  saved: Float32Array,
  cellPrev: Float32Array | null,
  dOutputs: Float32Array,
  dhRecurrent: Float32Array,
  dcNext: Float32Array,
  dGates: Float32Array,
  dcPrev: Float32Array,
  from = 0,
): void {
  const { batch, time, units: u } = dims;
  for (let b = 0; b < batch; b++) {
    const s = b * 5 * u;
    const dy = (b * time + t) * u;
    const row = b * u;
    const dg = b * 4 * u;
    for (let j = from; j < u; j++) {
      const i = saved[s + j]!;
      const f = saved[s + u + j]!;
      const g = saved[s + 2 * u + j]!;
      const o = saved[s + 3 * u + j]!;
      const tc = saved[s + 4 * u + j]!;
      const cp = cellPrev ? cellPrev[row + j]! : 0;
      const dh = dOutputs[dy + j]! + dhRecurrent[row + j]!;
      const dc = dcNext[row + j]! + dh * o * (1 - tc * tc);
      dGates[dg + j] = dc * g * i * (1 - i);
      dGates[dg + u + j] = dc * cp * f * (1 - f);
      dGates[dg + 2 * u + j] = dc * i * (1 - g * g);
      dGates[dg + 3 * u + j] = dh * tc * o * (1 - o);
      dcPrev[row + j] = dc * f;
    }
  }
}
