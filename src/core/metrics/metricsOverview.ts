/**
 * A small overview of a long metrics history beside `metrics.jsonl` (`.metrics.overview`): the loss
 * curve and every other metric min-max downsampled to OVERVIEW_POINTS, in the metrics cache's layout
 * (metricsCache.ts: the same checks of every declared size, the same fingerprint of the prefix of
 * metrics.jsonl it describes). A panel paints its first chart from it, without reading the whole
 * cache (tens of megabytes for a million steps); the full history follows for zooming and the
 * other metrics. `metrics.jsonl` stays the source of truth: an overview that does not describe the
 * file's current prefix, one the file has outgrown by more than OVERVIEW_TAIL_BYTES, or one larger
 * than any real run's (OVERVIEW_MAX_BYTES, checked before anything is read) is not used.
 */
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { minMaxIndices } from './downsample';
import { CACHE_MIN_BYTES, readCacheFile, writeCacheFile } from './metricsCache';
import { readAppendedMetrics, type MetricsHistory } from './metricsReader';
import { ScalarSet, type ScalarColumn } from './scalarSeries';
import { MetricsSeries } from './series';

export const METRICS_OVERVIEW_FILE = '.metrics.overview';
/** Points per curve: two per pixel of a chart 4,096 pixels wide. */
export const OVERVIEW_POINTS = 8192;
/** Lines appended after an overview that are still read into it; past this the full history is read. */
export const OVERVIEW_TAIL_BYTES = 1 << 20;
/** Larger than the overview of any real run (a curve is 256 KiB, a metric 192 KiB): a larger one is not read. */
export const OVERVIEW_MAX_BYTES = 64 << 20;

/** An overview read back, with the lines appended since it was written. */
export interface MetricsOverview {
  history: MetricsHistory;
  /** Points the full history has (the overview holds at most OVERVIEW_POINTS of them, plus its tail). */
  totalPoints: number;
}

export function metricsOverviewPath(metricsFile: string): string {
  return join(dirname(metricsFile), METRICS_OVERVIEW_FILE);
}

/** The points of `values` that min-max downsampling keeps, taken from each of `columns`. */
function pick(indices: Uint32Array, column: Float64Array): Float64Array<ArrayBuffer> {
  return Float64Array.from(indices, (i) => column[i] as number);
}

/** `history` downsampled: its loss curve by loss, each other metric by its own values. */
export function overviewOf(history: MetricsHistory, points = OVERVIEW_POINTS): MetricsHistory {
  const columns = history.series.columns();
  const keep = minMaxIndices(columns.loss, 0, columns.loss.length, points);
  const scalars: Record<string, ScalarColumn> = {};
  for (const [name, c] of Object.entries(history.scalars.columns())) {
    const kept = minMaxIndices(c.values, 0, c.values.length, points);
    scalars[name] = { steps: pick(kept, c.steps), values: pick(kept, c.values), times: pick(kept, c.times) };
  }
  return {
    ...history,
    resumes: [...history.resumes],
    problems: [...history.problems],
    series: MetricsSeries.fromColumns({
      steps: pick(keep, columns.steps),
      loss: pick(keep, columns.loss),
      lr: pick(keep, columns.lr),
      time: pick(keep, columns.time),
    }),
    scalars: ScalarSet.fromColumns(scalars),
  };
}

/**
 * The overview of `metricsFile` with the lines appended since, or null when there is none worth
 * reading: missing, malformed, describing another prefix, or outgrown by more than OVERVIEW_TAIL_BYTES.
 */
export async function readMetricsOverview(metricsFile: string): Promise<MetricsOverview | null> {
  const size = await stat(metricsFile).then(
    (s) => s.size,
    () => null,
  );
  if (size === null) return null;
  const read = await readCacheFile(metricsFile, metricsOverviewPath(metricsFile), OVERVIEW_MAX_BYTES).catch(() => null);
  if (!read || read.sourcePoints === undefined || size - read.history.bytesRead > OVERVIEW_TAIL_BYTES) return null;
  const { history } = read;
  const before = history.series.length;
  if (!(await readAppendedMetrics(metricsFile, history))) return null;
  return { history, totalPoints: read.sourcePoints + history.series.length - before };
}

/**
 * Whether `metricsFile`'s overview describes its current prefix and is not outgrown by half of
 * OVERVIEW_TAIL_BYTES (what refreshMetricsOverview would rewrite).
 */
export async function metricsOverviewIsFresh(metricsFile: string, fileBytes: number): Promise<boolean> {
  const current = await readCacheFile(metricsFile, metricsOverviewPath(metricsFile), OVERVIEW_MAX_BYTES).catch(
    () => null,
  );
  return current !== null && fileBytes - current.history.bytesRead < OVERVIEW_TAIL_BYTES / 2;
}

/**
 * Writes the overview of a history just read in full from `metricsFile`, when the history is long
 * and the overview on disk is missing or covers less than all but half of OVERVIEW_TAIL_BYTES of it.
 * Best effort, as the cache: a folder the user cannot write to has no overview.
 */
export async function refreshMetricsOverview(metricsFile: string, history: MetricsHistory): Promise<boolean> {
  if (history.bytesRead < CACHE_MIN_BYTES) return false;
  if (await metricsOverviewIsFresh(metricsFile, history.bytesRead)) return false;
  return writeCacheFile(metricsFile, overviewOf(history), metricsOverviewPath(metricsFile), history.series.length);
}
