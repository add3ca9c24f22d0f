export { debiasedEma, MAX_SMOOTHING } from './ema';
export { minMaxIndices, downsampleColumns, type SeriesPayload } from './downsample';
export { MetricsSeries, type SeriesColumns } from './series';
export {
  readMetricsFile,
  readAppendedMetrics,
  emptyHistory,
  MetricsLineParser,
  type MetricsHistory,
  type MetricsObserver,
  type ResumeMarker,
} from './metricsReader';
export { runColorIndices } from './runColors';
export { isEvalRow, type EvalMetricsRow } from './evalRow';
