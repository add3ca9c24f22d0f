/**
 * Numerical comparison of two training results (weights, optimizer slots, losses) within a stated
 * tolerance: different backends sum in different orders, so GPU and CPU results agree closely but
 * not bit for bit. An element passes when |actual - expected| <= atol + rtol * |expected|.
 */
import type { TensorMap } from '../../../src/core/checkpoint/types';

export interface Tolerance {
  /** Absolute part of the element bound. */
  atol: number;
  /** Relative part of the element bound. */
  rtol: number;
  /** Per-step losses: |a - b| <= lossRtol * max(1, |b|). */
  lossRtol: number;
  /**
   * Share of elements allowed beyond the element bound, as long as each stays within the drift
   * bound given to compareTensorMaps. Adam divides by sqrt(v): where the true gradient is (near)
   * zero, e.g. an attention key bias, whose gradient is exactly zero mathematically, rounding noise
   * becomes a full-size step in either direction on each backend. Real kernel bugs move most elements.
   */
  outlierFraction: number;
}

/**
 * GPU vs cpu over a short run (float32 on both; WGSL and CUDA transcendental functions are a few ulp
 * off libm, reductions run in another order, and Adam amplifies tiny differences in small gradients).
 */
export const GPU_TOLERANCE: Tolerance = { atol: 1e-4, rtol: 1e-3, lossRtol: 1e-3, outlierFraction: 0.01 };
/** wasm vs cpu: measured 5.4e-7 after 40 steps; this bound still catches a wrong kernel. */
export const CPU_FAMILY_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4, lossRtol: 1e-5, outlierFraction: 0.01 };

export interface MapComparison {
  ok: boolean;
  /** Largest |a - b| over all elements. */
  maxAbsDiff: number;
  /** Largest |a - b| / (atol + rtol |b|): at most 1 when within tolerance. */
  worstRatio: number;
  /** Where worstRatio was found, e.g. "dense_1/kernel[17]: 0.12 vs 0.1201". */
  worst: string | null;
  /** Elements beyond the element bound, and how many were compared. */
  outliers: number;
  elements: number;
  /** Structural problems (missing tensors, shape changes, NaN): always a failure. */
  problems: string[];
}

/**
 * Element-wise comparison. `driftBound` caps every outlier (for an optimizer run: about twice the
 * largest learning rate times the steps, the furthest Adam can move an element); Infinity = none.
 */
export function compareTensorMaps(
  actual: TensorMap,
  expected: TensorMap,
  tol: Tolerance,
  driftBound = 0,
): MapComparison {
  const problems: string[] = [];
  let outliers = 0;
  let elements = 0;
  let maxAbsDiff = 0;
  let worstRatio = 0;
  let worst: string | null = null;
  const names = new Set([...Object.keys(actual), ...Object.keys(expected)]);
  for (const name of names) {
    const a = actual[name];
    const e = expected[name];
    if (!a || !e) {
      problems.push(`${name}: only in the ${a ? 'actual' : 'expected'} result`);
      continue;
    }
    if (a.shape.join(',') !== e.shape.join(',') || a.data.length !== e.data.length) {
      problems.push(`${name}: shape [${a.shape}] vs [${e.shape}]`);
      continue;
    }
    for (let i = 0; i < e.data.length; i++) {
      const x = a.data[i]!;
      const y = e.data[i]!;
      if (Number.isNaN(x) !== Number.isNaN(y)) {
        problems.push(`${name}[${i}]: ${x} vs ${y}`);
        break;
      }
      if (Number.isNaN(x)) continue;
      const diff = Math.abs(x - y);
      const ratio = diff / (tol.atol + tol.rtol * Math.abs(y));
      elements++;
      if (ratio > 1) {
        outliers++;
        if (diff > driftBound)
          problems.push(
            `${name}[${i}]: ${x} vs ${y} differs by ${diff.toExponential(2)}, beyond the element bound and the drift bound ${driftBound.toExponential(2)}`,
          );
      }
      if (diff > maxAbsDiff) maxAbsDiff = diff;
      if (ratio > worstRatio) {
        worstRatio = ratio;
        worst = `${name}[${i}]: ${x} vs ${y}`;
      }
    }
  }
  if (outliers > Math.floor(tol.outlierFraction * elements))
    problems.push(
      `${outliers} of ${elements} elements beyond the element bound (at most ${Math.floor(tol.outlierFraction * elements)} allowed); worst ${worst}`,
    );
  // One line per failing element is enough to diagnose; keep the report short.
  const shown = problems.length > 5 ? [...problems.slice(0, 5), `... and ${problems.length - 5} more`] : problems;
  return { ok: problems.length === 0, maxAbsDiff, worstRatio, worst, outliers, elements, problems: shown };
}

export interface LossComparison {
  ok: boolean;
  maxRelDiff: number;
  worst: string | null;
}

export function compareLosses(actual: number[], expected: number[], tol: Tolerance): LossComparison {
  if (actual.length !== expected.length)
    return { ok: false, maxRelDiff: Infinity, worst: `${actual.length} losses vs ${expected.length}` };
  let maxRelDiff = 0;
  let worst: string | null = null;
  actual.forEach((a, i) => {
    const e = expected[i]!;
    const rel = Number.isFinite(a) && Number.isFinite(e) ? Math.abs(a - e) / Math.max(1, Math.abs(e)) : Infinity;
    if (rel > maxRelDiff) {
      maxRelDiff = rel;
      worst = `step ${i + 1}: ${a} vs ${e}`;
    }
  });
  return { ok: maxRelDiff <= tol.lossRtol, maxRelDiff, worst };
}

/** Plain JSON values (optimizer and scheduler state): numbers within tolerance, the rest equal. */
export function compareStates(actual: unknown, expected: unknown, tol: Tolerance, path = ''): string[] {
  if (typeof actual === 'number' && typeof expected === 'number') {
    const ok = Number.isInteger(expected)
      ? actual === expected
      : Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
    return ok ? [] : [`${path || 'value'}: ${actual} vs ${expected}`];
  }
  if (actual && expected && typeof actual === 'object' && typeof expected === 'object') {
    const keys = new Set([...Object.keys(actual), ...Object.keys(expected)]);
    return [...keys].flatMap((k) =>
      compareStates(
        (actual as Record<string, unknown>)[k],
        (expected as Record<string, unknown>)[k],
        tol,
        path ? `${path}.${k}` : k,
      ),
    );
  }
  return JSON.stringify(actual) === JSON.stringify(expected)
    ? []
    : [`${path || 'value'}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`];
}
