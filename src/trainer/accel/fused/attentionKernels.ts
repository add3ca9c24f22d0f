/**
 * Causal multi-head attention, forward and backward, as strided BLAS products per (batch, head)
 * plus JS loops. Each head is read and written in place inside its [b, t, ·] array (q, k and v
 * side by side in one [b, t, 3d] array, the output in [b, t, d]): the rows of a head are one
 * leading dimension apart, so the head split and merge need no Transpose. The 1/√headDim scale is
 * the products' alpha. The causal mask is written into the scores, and the caller runs the
 * forward softmax with the backend's own kernel (XNNPACK's vectorised exp: a JS loop of Math.exp
 * made the fused op slower than the op-by-op one).
 */
import type { Blas } from '../blas';

export interface AttentionDims {
  batch: number;
  time: number;
  heads: number;
  headDim: number;
  /** Applied to the scores before the softmax, normally 1/√headDim. */
  scale: number;
}

/** Heads·headDim columns starting at column `offset` of a [batch, time, stride] array. */
export interface Columns {
  data: Float32Array;
  offset: number;
  stride: number;
}

/** The t × headDim rows of head `h` of batch `b` in `m`, a row stride apart (the BLAS leading dimension). */
function headView(m: Columns, dims: AttentionDims, b: number, h: number): Float32Array {
  const start = b * dims.time * m.stride + m.offset + h * dims.headDim;
  return m.data.subarray(start, start + (dims.time - 1) * m.stride + dims.headDim);
}

/** Added above the diagonal, as the op-by-op path adds its mask: the softmax turns it into exactly 0. */
export const MASKED = -1e9;

/**
 * scores[b, h] = scale·Q·Kᵀ for every (batch, head) into [b, heads, t, t], the entries above the
 * diagonal set to MASKED: the softmax over the last axis then gives the causal probabilities.
 */
export function attentionScores(blas: Blas, dims: AttentionDims, q: Columns, k: Columns, scores: Float32Array): void {
  const { batch, time: t, heads, headDim, scale } = dims;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const block = (b * heads + h) * t * t;
      const s = scores.subarray(block, block + t * t);
      blas.sgemm(
        false,
        true,
        t,
        t,
        headDim,
        scale,
        headView(q, dims, b, h),
        q.stride,
        headView(k, dims, b, h),
        k.stride,
        0,
        s,
        t,
      );
      for (let i = 0; i < t - 1; i++) s.fill(MASKED, i * t + i + 1, (i + 1) * t);
    }
  }
}

/** out[b, :, head h] = P[b, h]·V[b, :, head h] for the probabilities P [b, heads, t, t]. */
export function attentionMix(blas: Blas, dims: AttentionDims, probs: Float32Array, v: Columns, out: Columns): void {
  const { batch, time: t, heads, headDim } = dims;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const block = (b * heads + h) * t * t;
      blas.sgemm(
        false,
        false,
        t,
        headDim,
        t,
        1,
        probs.subarray(block, block + t * t),
        t,
        headView(v, dims, b, h),
        v.stride,
        0,
        headView(out, dims, b, h),
        out.stride,
      );
    }
  }
}

/** In place over `rows` rows of t: dP becomes dS = scale · P ⊙ (dP − Σⱼ dP·P). */
export type SoftmaxGradRows = (dp: Float32Array, p: Float32Array, t: number, scale: number) => void;

/**
 * Gradients of the forward pass for dy = dL/dout, per (batch, head):
 *   dP = dy·Vᵀ,  dV = Pᵀ·dy,  dS = scale · P ⊙ (dP − rowsum(dP ⊙ P)),  dQ = dS·K,  dK = dSᵀ·Q.
 * `ds` (t·t floats) holds one block of dP then dS; `softmaxGrad` turns one into the other.
 */
export function attentionBackward(
  blas: Blas,
  dims: AttentionDims,
  dy: Columns,
  q: Columns,
  k: Columns,
  v: Columns,
  probs: Float32Array,
  dq: Columns,
  dk: Columns,
  dv: Columns,
  ds: Float32Array,
  softmaxGrad: SoftmaxGradRows = softmaxGradRows,
): void {
  const { batch, time: t, heads, headDim, scale } = dims;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const block = (b * heads + h) * t * t;
      const p = probs.subarray(block, block + t * t);
      const dyHead = headView(dy, dims, b, h);
      blas.sgemm(false, true, t, t, headDim, 1, dyHead, dy.stride, headView(v, dims, b, h), v.stride, 0, ds, t);
      blas.sgemm(true, false, t, headDim, t, 1, p, t, dyHead, dy.stride, 0, headView(dv, dims, b, h), dv.stride);
      softmaxGrad(ds, p, t, scale);
      blas.sgemm(
        false,
        false,
        t,
        headDim,
        t,
        1,
        ds,
        t,
        headView(k, dims, b, h),
        k.stride,
        0,
        headView(dq, dims, b, h),
        dq.stride,
      );
      blas.sgemm(
        true,
        false,
        t,
        headDim,
        t,
        1,
        ds,
        t,
        headView(q, dims, b, h),
        q.stride,
        0,
        headView(dk, dims, b, h),
        dk.stride,
      );
    }
  }
}

/** In place: dP becomes dS = scale · P ⊙ (dP − Σⱼ dP·P) over the causal columns, 0 after them (the JS pass). */
export function softmaxGradRows(dp: Float32Array, p: Float32Array, t: number, scale: number): void {
  for (let i = 0; i < t; i++) {
    const row = i * t;
    let dot = 0;
    for (let j = 0; j <= i; j++) dot += dp[row + j]! * p[row + j]!;
    for (let j = 0; j <= i; j++) dp[row + j] = scale * p[row + j]! * (dp[row + j]! - dot);
    dp.fill(0, row + i + 1, row + t);
  }
}
