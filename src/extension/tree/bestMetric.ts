/**
 * The value of the metric that chose a run's best checkpoint (metric_for_best_model: eval_loss ...),
 * read from that checkpoint's trainer_state.json through the reader workers when a tooltip is shown.
 * Null when the run has no best checkpoint, its state names no metric, or it cannot be read.
 */
import { join } from 'node:path';
import { TRAINER_STATE_FILE } from '../../core/checkpoint/layout';
import { bestFromState } from '../../core/runsTable/runFacts';
import { readTrainerState } from '../reading';
import { bestCheckpoint, type RunView } from '../store/runView';
import type { BestMetricValue } from './rowText';

export async function bestMetricOf(run: RunView): Promise<BestMetricValue | null> {
  const best = bestCheckpoint(run);
  if (!best) return null;
  const state = await readTrainerState(join(best.path, TRAINER_STATE_FILE)).catch(() => null);
  const metric = bestFromState(state);
  // Its own evaluation when the state keeps it (native `metrics`), else the best value it records.
  const own = (state?.['metrics'] as Record<string, unknown> | undefined)?.[metric?.name ?? ''];
  const value = typeof own === 'number' ? own : metric?.value;
  return metric?.name && typeof value === 'number' ? { name: metric.name, value } : null;
}
