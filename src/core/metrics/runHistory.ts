/**
 * Loss-curve history for any run folder: its `metrics.jsonl` (native runs; through the compact cache
 * beside it, metricsCache.ts), else the Hugging Face log_history of its newest checkpoint (loss and
 * learning rate as the curve, every other logged number as a metric). TensorBoard event files
 * beside a run add their tags as metrics (addTensorBoardScalars). The loss-curves feed reads runs
 * through this so every run charts alike. A long native run also keeps a small overview beside it
 * (metricsOverview.ts) for the first paint of a chart.
 */
import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readHfLogHistory } from '../hf/checkpoints';
import type { ScalarPoint } from '../tensorboard/eventScalars';
import { CACHE_MIN_BYTES, readMetricsFileCached } from './metricsCache';
import { emptyHistory, type MetricsHistory } from './metricsReader';
import {
  metricsOverviewIsFresh,
  readMetricsOverview,
  refreshMetricsOverview,
  type MetricsOverview,
} from './metricsOverview';
import type { ScalarSet } from './scalarSeries';

/** log_history fields that are the curve itself or its x axis, not metrics of their own. */
const HF_NOT_METRICS = new Set(['step', 'loss', 'learning_rate']);

export async function readRunMetrics(runDir: string): Promise<MetricsHistory> {
  const metricsFile = join(runDir, 'metrics.jsonl');
  const hasMetrics = await access(metricsFile).then(
    () => true,
    () => false,
  );
  if (hasMetrics) {
    const history = await readMetricsFileCached(metricsFile);
    await refreshMetricsOverview(metricsFile, history);
    return history;
  }
  const log = await readHfLogHistory(runDir).catch(() => null);
  const history = emptyHistory();
  for (const p of log?.points ?? []) history.series.append(p.step, p.loss, p.lr ?? Number.NaN);
  // Stable sort: a step's training entry stays before its evaluation entry.
  for (const entry of [...(log?.entries ?? [])].sort((a, b) => a.step - b.step)) {
    for (const [name, value] of Object.entries(entry)) {
      if (!HF_NOT_METRICS.has(name) && typeof value === 'number')
        history.scalars.append(name, entry.step, value, Number.NaN);
    }
  }
  return history;
}

/**
 * What a chart's first paint needs of a long native run: its overview (metricsOverview.ts), or null
 * when it has none worth reading (then the full history is read: readRunMetrics).
 */
export async function readRunOverview(runDir: string): Promise<MetricsOverview | null> {
  return readMetricsOverview(join(runDir, 'metrics.jsonl'));
}

/**
 * Reads a long native run's history once, so that its cache and overview are on disk before a chart
 * asks for them (a run that just ended is the one opened next). Nothing is read for a short run or
 * one whose overview is fresh. True when the history was read.
 */
export async function warmRunMetrics(runDir: string): Promise<boolean> {
  const metricsFile = join(runDir, 'metrics.jsonl');
  const size = await stat(metricsFile).then(
    (s) => (s.isFile() ? s.size : 0),
    () => 0,
  );
  if (size < CACHE_MIN_BYTES || (await metricsOverviewIsFresh(metricsFile, size))) return false;
  await readRunMetrics(runDir);
  return true;
}

/** TensorBoard scalars as metrics named by their tag, with the wall time they were written at. */
export function addTensorBoardScalars(scalars: ScalarSet, points: readonly ScalarPoint[]): void {
  for (const p of points) scalars.append(p.tag, p.step, p.value, p.wallTime);
}
