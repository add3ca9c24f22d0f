/**
 * Which metric the chart shows and against what: the metric picker's choices (loss, learning rate,
 * then every other metric any run logged, sorted), each run's values of the chosen metric, and the
 * x values for the chosen axis (step, wall-clock time, or seconds since the run's first point).
 */
import type { XAxisMode } from '../../src/core/protocol/webview';
import type { RunData } from './runStore';

export const LOSS = 'loss';
export const LEARNING_RATE = 'lr';

export interface MetricChoice {
  name: string;
  label: string;
}

/** A run's points of one metric, in step order. */
export interface MetricPoints {
  steps: number[];
  values: Array<number | null>;
  /** Wall time, seconds since the epoch (null: not recorded). */
  time: Array<number | null>;
}

/** loss, learning rate (when logged), then every other metric of these runs by name. */
export function metricChoices(runs: readonly RunData[]): MetricChoice[] {
  const choices: MetricChoice[] = [{ name: LOSS, label: 'loss' }];
  if (runs.some((r) => r.lr.some((v) => v !== null))) choices.push({ name: LEARNING_RATE, label: 'learning rate' });
  const names = new Set<string>();
  for (const run of runs) {
    for (const name of Object.keys(run.scalars)) names.add(name);
    for (const name of run.unloadedMetrics) names.add(name);
  }
  for (const name of [...names].sort()) choices.push({ name, label: name });
  return choices;
}

export function metricLabel(metric: string): string {
  return metric === LEARNING_RATE ? 'learning rate' : metric;
}

export function metricPoints(run: RunData, metric: string): MetricPoints {
  if (metric === LOSS) return { steps: run.steps, values: run.loss, time: run.time };
  if (metric === LEARNING_RATE) return { steps: run.steps, values: run.lr, time: run.time };
  const s = run.scalars[metric];
  return s ? { steps: s.steps, values: s.values, time: s.time } : { steps: [], values: [], time: [] };
}

export const X_AXIS_LABELS: Record<XAxisMode, string> = {
  step: 'step',
  wall: 'wall time',
  relative: 'time since start (s)',
};

/**
 * The points with their x for `mode`. By time, points without a recorded time are left out, and so
 * is any point whose time does not move forward (uPlot needs ascending x).
 */
export function withXAxis(points: MetricPoints, mode: XAxisMode): { x: number[]; values: Array<number | null> } {
  if (mode === 'step') return { x: points.steps, values: points.values };
  const x: number[] = [];
  const values: Array<number | null> = [];
  const first = points.time.find((t): t is number => t !== null);
  for (let i = 0; i < points.steps.length; i++) {
    const t = points.time[i];
    if (t === null || t === undefined || first === undefined) continue;
    const at = mode === 'wall' ? t : t - first;
    if (x.length > 0 && at <= (x[x.length - 1] as number)) continue;
    x.push(at);
    values.push(points.values[i] ?? null);
  }
  return { x, values };
}
