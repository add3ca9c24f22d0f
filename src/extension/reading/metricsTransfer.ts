/**
 * Metrics histories across the worker boundary. A MetricsSeries is a class (lost in a structured
 * clone), and readAppendedMetrics extends the caller's history in place and tells an observer: so
 * the worker sends columns, and for an appended read, the ordered records it applied to a scratch
 * history seeded with the caller's last step; the host replays them on its own history exactly as
 * the parser would have (the same truncation on resume, the same observer calls).
 */
import {
  emptyHistory,
  readAppendedMetrics,
  type MetricsHistory,
  type MetricsObserver,
  type ResumeMarker,
} from '../../core/metrics/metricsReader';
import { readRunMetrics, readRunOverview } from '../../core/metrics/runHistory';
import { ScalarSet, type ScalarColumn } from '../../core/metrics/scalarSeries';
import { MetricsSeries, type SeriesColumns } from '../../core/metrics/series';

/** The same cap as the reader's own (metricsReader.ts): a history keeps its first problems. */
const MAX_PROBLEMS = 20;

export type HistoryTransfer = Omit<MetricsHistory, 'series' | 'scalars'> & {
  columns: SeriesColumns;
  scalars: Record<string, ScalarColumn>;
};

/** Where an appended read continues: the caller's history without its points. */
export interface AppendCursor {
  bytesRead: number;
  lines: number;
  skippingLongLine: boolean;
  lastStep: number | null;
}

export type AppliedRecord =
  | { kind: 'point'; step: number; loss: number; lr: number; time: number }
  | { kind: 'scalar'; name: string; step: number; value: number; time: number }
  | { kind: 'resumed'; marker: ResumeMarker };

export interface AppendedDelta {
  /** readAppendedMetrics' answer: false when the file shrank (read it anew). */
  ok: boolean;
  records: AppliedRecord[];
  bytesRead: number;
  lines: number;
  skippingLongLine: boolean;
  problems: string[];
  problemCount: number;
}

/** The history as plain data whose columns are views of its own storage: the history must not be used after. */
export function historyToTransfer(history: MetricsHistory): HistoryTransfer {
  const { series, scalars, ...rest } = history;
  return { ...rest, columns: series.columns(), scalars: scalars.columns() };
}

/**
 * The buffers behind a transfer's columns, to move to the host with it (postMessage's transfer
 * list) instead of copying them: the worker keeps nothing of a history it sent.
 */
export function transferBuffers(transfer: HistoryTransfer): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (column: Float64Array): void => {
    if (column.buffer instanceof ArrayBuffer) buffers.add(column.buffer);
  };
  for (const column of Object.values(transfer.columns)) add(column);
  for (const c of Object.values(transfer.scalars)) [c.steps, c.values, c.times].forEach(add);
  return [...buffers];
}

export function historyFromTransfer(transfer: HistoryTransfer): MetricsHistory {
  const { columns, scalars, ...rest } = transfer;
  const history = { ...emptyHistory(), ...rest, scalars: ScalarSet.fromColumns(scalars) };
  // The worker's series is already resolved (steps ascending): adopt its columns as they are, instead
  // of a million appends on the host's thread; anything else is replayed point by point.
  // The columns are the transfer's own (moved from the worker, or the views historyToTransfer made of a
  // history nobody else holds).
  if (ascending(columns.steps))
    return {
      ...history,
      series: MetricsSeries.fromColumns(columns as Parameters<typeof MetricsSeries.fromColumns>[0]),
    };
  for (let i = 0; i < columns.steps.length; i++)
    history.series.append(
      columns.steps[i] as number,
      columns.loss[i] as number,
      columns.lr[i] as number,
      columns.time[i] as number,
    );
  return history;
}

function ascending(steps: Float64Array): boolean {
  for (let i = 1; i < steps.length; i++) if (!((steps[i] as number) > (steps[i - 1] as number))) return false;
  return true;
}

/** Worker side of readRunMetrics. */
export async function readRunMetricsTransfer(runDir: string): Promise<HistoryTransfer> {
  return historyToTransfer(await readRunMetrics(runDir));
}

/** A run's overview across the boundary: its history as columns, and the full history's length. */
export interface OverviewTransfer {
  history: HistoryTransfer;
  totalPoints: number;
}

/** Worker side of readRunOverview. */
export async function readRunOverviewTransfer(runDir: string): Promise<OverviewTransfer | null> {
  const overview = await readRunOverview(runDir);
  return overview && { history: historyToTransfer(overview.history), totalPoints: overview.totalPoints };
}

/** Worker side of readAppendedMetrics: the records applied after `cursor`, in order. */
export async function readAppendedMetricsDelta(path: string, cursor: AppendCursor): Promise<AppendedDelta> {
  const scratch = emptyHistory();
  scratch.bytesRead = cursor.bytesRead;
  scratch.lines = cursor.lines;
  scratch.skippingLongLine = cursor.skippingLongLine;
  // The parser compares each step with the last one (steps going back mean a restart).
  if (cursor.lastStep !== null) scratch.series.append(cursor.lastStep, Number.NaN, Number.NaN);
  const records: AppliedRecord[] = [];
  const ok = await readAppendedMetrics(path, scratch, {
    point: (step, loss, lr, time) => records.push({ kind: 'point', step, loss, lr, time }),
    scalar: (name, step, value, time) => records.push({ kind: 'scalar', name, step, value, time }),
    resumed: (marker) => records.push({ kind: 'resumed', marker }),
  });
  const { bytesRead, lines, skippingLongLine, problems, problemCount } = scratch;
  return { ok, records, bytesRead, lines, skippingLongLine, problems, problemCount };
}

export function appendCursorOf(history: MetricsHistory): AppendCursor {
  return {
    bytesRead: history.bytesRead,
    lines: history.lines,
    skippingLongLine: history.skippingLongLine,
    lastStep: history.series.lastStep,
  };
}

/** Host side: applies a worker's delta to the caller's history and observer. */
export function applyAppendedDelta(history: MetricsHistory, delta: AppendedDelta, observer?: MetricsObserver): void {
  for (const record of delta.records) {
    if (record.kind === 'point') {
      history.series.append(record.step, record.loss, record.lr, record.time);
      observer?.point(record.step, record.loss, record.lr, record.time);
    } else if (record.kind === 'scalar') {
      history.scalars.append(record.name, record.step, record.value, record.time);
      observer?.scalar?.(record.name, record.step, record.value, record.time);
    } else {
      history.series.truncateAfter(record.marker.step);
      history.scalars.truncateAfter(record.marker.step);
      history.resumes = history.resumes.filter((r) => r.step <= record.marker.step);
      history.resumes.push(record.marker);
      observer?.resumed(record.marker);
    }
  }
  history.bytesRead = delta.bytesRead;
  history.lines = delta.lines;
  history.skippingLongLine = delta.skippingLongLine;
  history.problemCount += delta.problemCount;
  history.problems.push(...delta.problems.slice(0, Math.max(0, MAX_PROBLEMS - history.problems.length)));
}
