/**
 * Tick positions, labels and padded ranges for the panel's value axes (loss, learning rate), linear
 * or log, for any magnitude from 1e-8 to 1e6. uPlot's defaults print at most three decimals (5e-4
 * read "0.001", 1e-4 read "0"), snap log axes to whole decades, and a fixed exponent format gave
 * equal labels for different ticks. Positions come from d3-scale's nice ticks; each label is the
 * shortest text that reads back as exactly its tick, so labels are true and therefore distinct.
 */
import { scaleLinear, scaleLog } from 'd3-scale';

/** Pixels between ticks the axes aim for, and the least room a label needs along a vertical axis. */
const TICK_SPACING_PX = 40;
const LABEL_GAP_PX = 18;
/** Room kept between the outermost data and the plot edge, so markers there are whole and clickable. */
export const EDGE_MARGIN_PX = 12;
/** Fixed notation up to this many decimals and below FIXED_MAX; exponent notation beyond. */
const MAX_FIXED_DECIMALS = 3;
const FIXED_MAX = 1e5;
const MAX_DIGITS = 12;

const isExact = (label: string, tick: number): boolean => Math.abs(Number(label) - tick) <= 1e-9 * Math.abs(tick);
const tidyExponent = (s: string): string => s.replace('e+', 'e');

function fixedDecimalsFor(ticks: readonly number[]): number | null {
  for (let p = 0; p <= MAX_DIGITS; p++) if (ticks.every((t) => isExact(t.toFixed(p), t))) return p;
  return null;
}

function exponentDigitsFor(ticks: readonly number[]): number {
  for (let p = 0; p <= MAX_DIGITS; p++) if (ticks.every((t) => t === 0 || isExact(t.toExponential(p), t))) return p;
  return MAX_DIGITS;
}

/**
 * Labels for ticks that share one notation and precision (a linear axis): fixed ("0.004", "12.5")
 * while that needs few decimals, else exponent ("5e-5", "1.2e6"); zero is always "0".
 */
export function formatTicks(ticks: readonly number[]): string[] {
  const nonZero = ticks.filter((t) => t !== 0);
  if (nonZero.length === 0) return ticks.map(() => '0');
  const largest = Math.max(...nonZero.map(Math.abs));
  const decimals = fixedDecimalsFor(nonZero);
  if (decimals !== null && decimals <= MAX_FIXED_DECIMALS && largest < FIXED_MAX) {
    return ticks.map((t) => (t === 0 ? '0' : t.toFixed(decimals)));
  }
  const digits = exponentDigitsFor(nonZero);
  return ticks.map((t) => (t === 0 ? '0' : tidyExponent(t.toExponential(digits))));
}

/** Linear ticks across [min, max] for an axis `lengthPx` long. */
export function linearTicks(min: number, max: number, lengthPx: number): number[] {
  if (!(max > min)) return [min];
  return scaleLinear().domain([min, max]).ticks(tickCount(lengthPx));
}

/** Log ticks (1-9 × 10^k, or whole decades when many) across [min, max] (both > 0). */
export function logTicks(min: number, max: number, lengthPx: number): number[] {
  if (!(min > 0) || !(max > min)) return min > 0 ? [min] : [];
  return scaleLog().domain([min, max]).ticks(tickCount(lengthPx));
}

/** At least three, so a short pane (the learning rate's) still gets two labelled ticks. */
const tickCount = (lengthPx: number): number => Math.max(3, Math.floor(lengthPx / TICK_SPACING_PX));

/** Rank of a log tick for labelling: decades first, then 5s and 2s, then the rest. */
function logLabelRank(tick: number): number {
  const mantissa = Math.round(tick / 10 ** Math.floor(Math.log10(tick) + 1e-9));
  return mantissa === 1 ? 0 : mantissa === 5 ? 1 : mantissa === 2 ? 2 : 3;
}

/**
 * Labels for log ticks: each label its own shortest exact text (decades of 1e-8 and 100 side by
 * side), and only as many as fit `lengthPx` without overlapping (null: a grid line without label),
 * preferring decades, then 5s and 2s.
 */
export function logTickLabels(
  ticks: readonly number[],
  min: number,
  max: number,
  lengthPx: number,
): Array<string | null> {
  const span = Math.log10(max) - Math.log10(min);
  const pos = (t: number): number => (span > 0 ? ((Math.log10(t) - Math.log10(min)) / span) * lengthPx : 0);
  const order = ticks
    .map((t, i) => i)
    .sort((a, b) => logLabelRank(ticks[a] as number) - logLabelRank(ticks[b] as number) || a - b);
  const placed: number[] = [];
  const shown = new Set<number>();
  for (const i of order) {
    const p = pos(ticks[i] as number);
    if (placed.every((q) => Math.abs(q - p) >= LABEL_GAP_PX)) {
      placed.push(p);
      shown.add(i);
    }
  }
  return ticks.map((t, i) => (shown.has(i) ? (formatTicks([t])[0] ?? null) : null));
}

/**
 * The scale range for data in [min, max]: padded by EDGE_MARGIN_PX at both ends (in log space on a
 * log axis), never snapped to whole decades or to zero.
 */
export function paddedRange(min: number | null, max: number | null, lengthPx: number, log: boolean): [number, number] {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return log ? [0.1, 10] : [0, 1];
  const fraction = EDGE_MARGIN_PX / Math.max(lengthPx - 2 * EDGE_MARGIN_PX, EDGE_MARGIN_PX);
  if (log) {
    const lo = Math.log10(min);
    const hi = Math.log10(max);
    const pad = hi > lo ? (hi - lo) * fraction : 0.1;
    return [10 ** (lo - pad), 10 ** (hi + pad)];
  }
  const pad = max > min ? (max - min) * fraction : Math.abs(max) * 0.1 || 1;
  return [min - pad, max + pad];
}
