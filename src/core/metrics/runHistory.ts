/**
 * Loss-curve history for any run folder: its `metrics.jsonl` (native runs; through the compact cache
 * beside it, metricsCache.ts), else the Hugging Face
 * log_history of its newest checkpoint. The loss-curves feed reads runs through this so Hugging
 * Face runs chart like native ones.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { readHfLogHistory } from '../hf/checkpoints';
import { readMetricsFileCached } from './metricsCache';
import { emptyHistory, type MetricsHistory } from './metricsReader';

export async function readRunMetrics(runDir: string): Promise<MetricsHistory> {
  const metricsFile = join(runDir, 'metrics.jsonl');
  const hasMetrics = await access(metricsFile).then(
    () => true,
    () => false,
  );
  if (hasMetrics) return readMetricsFileCached(metricsFile);
  const log = await readHfLogHistory(runDir).catch(() => null);
  const history = emptyHistory();
  for (const p of log?.points ?? []) history.series.append(p.step, p.loss, p.lr ?? Number.NaN);
  return history;
}
