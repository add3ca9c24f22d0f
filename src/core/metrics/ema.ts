/**
 * TensorBoard's debiased exponential moving average, the one reference used by the loss-curves
 * webview and by the tests. Mirrors tensorboard/webapp/widgets/line_chart_v2/data_transformer.ts:
 * - a constant series is returned unchanged (the debiasing would otherwise show a ramp);
 * - a non-finite value (NaN, ±Infinity, or null as JSON writes NaN) is passed through as is and
 *   does not enter the average, so one bad step does not poison the rest of the curve.
 */

/** Largest weight the slider offers; 1 would freeze the average at its first value forever. */
export const MAX_SMOOTHING = 0.999;

export function debiasedEma(values: ArrayLike<number | null>, weight: number): Float64Array {
  if (!(weight >= 0 && weight <= 1)) {
    throw new RangeError(`smoothing weight must be between 0 and 1, got ${weight}`);
  }
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const first = values[0] ?? Number.NaN;
  let constant = true;
  for (let i = 1; i < n; i++) {
    // Same comparison as TensorBoard (NaN never equals, so a NaN makes the series non-constant).
    if ((values[i] ?? Number.NaN) !== first) {
      constant = false;
      break;
    }
  }
  let last = 0;
  let accumulated = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? Number.NaN;
    if (constant || !Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    accumulated++;
    const debias = weight === 1 ? 1 : 1 - Math.pow(weight, accumulated);
    out[i] = last / debias;
  }
  return out;
}
