/**
 * Min-max downsampling: split the points into equal buckets and keep, per bucket, the lowest and
 * the highest finite loss in step order. Unlike averaging it keeps every spike visible, it is one
 * pass, and it needs no per-point allocation. About two points per pixel is indistinguishable
 * from the full series on screen.
 */
import type { SeriesColumns } from './series';

/**
 * Indices (ascending) of the points to keep out of `values[from..to)`, at most `maxPoints` of them
 * (never fewer than 2 when there are at least 2 points), always including the first and the last.
 * Returns every index when they already fit.
 * A bucket with no finite value keeps its first point, so a run of NaN still shows as a gap.
 */
export function minMaxIndices(values: ArrayLike<number>, from: number, to: number, maxPoints: number): Uint32Array {
  const n = to - from;
  if (n <= 0) return new Uint32Array(0);
  const limit = Math.max(2, Math.floor(maxPoints));
  if (n <= limit) return Uint32Array.from({ length: n }, (_, i) => from + i);
  // Two slots go to the first and last points, so the x range on screen is the run's full range.
  const buckets = Math.max(1, Math.floor((limit - 2) / 2));
  const out = new Uint32Array(buckets * 2 + 2);
  let k = 0;
  out[k++] = from;
  for (let b = 0; b < buckets; b++) {
    const start = from + Math.floor((b * n) / buckets);
    const end = from + Math.floor(((b + 1) * n) / buckets);
    let minI = -1;
    let maxI = -1;
    let minV = Infinity;
    let maxV = -Infinity;
    for (let i = start; i < end; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) continue;
      if (v < minV) {
        minV = v;
        minI = i;
      }
      if (v > maxV) {
        maxV = v;
        maxI = i;
      }
    }
    if (minI < 0) {
      out[k++] = start;
    } else if (minI === maxI) {
      out[k++] = minI;
    } else {
      out[k++] = Math.min(minI, maxI);
      out[k++] = Math.max(minI, maxI);
    }
  }
  if (k > 1 && out[1] === from) out.copyWithin(1, 2, k--);
  if (out[k - 1] !== to - 1) out[k++] = to - 1;
  return out.subarray(0, k);
}

/** Plain arrays ready for a message: non-finite values become null (JSON has no NaN). */
export interface SeriesPayload {
  steps: number[];
  loss: Array<number | null>;
  lr: Array<number | null>;
  /** Wall time, seconds since the epoch (null where the writer recorded none). */
  time: Array<number | null>;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Downsamples columns[from..to) by loss to at most `maxPoints` points. */
export function downsampleColumns(columns: SeriesColumns, from: number, to: number, maxPoints: number): SeriesPayload {
  const keep = minMaxIndices(columns.loss, from, to, maxPoints);
  const payload: SeriesPayload = {
    steps: new Array(keep.length),
    loss: new Array(keep.length),
    lr: new Array(keep.length),
    time: new Array(keep.length),
  };
  for (let j = 0; j < keep.length; j++) {
    const i = keep[j] as number;
    payload.steps[j] = columns.steps[i] as number;
    payload.loss[j] = finiteOrNull(columns.loss[i] as number);
    payload.lr[j] = finiteOrNull(columns.lr[i] as number);
    payload.time[j] = finiteOrNull(columns.time[i] as number);
  }
  return payload;
}
