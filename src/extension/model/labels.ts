/** Labels shared by the quick picks (vscode-free so their wording is unit-tested). */
import { formatAge, formatValue } from '../../core/format';
import type { CheckpointView, RunView } from '../store/runView';

/** "run · checkpoint-500 · 3 min ago · loss 0.41" */
export function resumeLabel(run: RunView, c: CheckpointView, nowMs: number = Date.now()): string {
  return [run.name, c.name, formatAge(c.mtimeMs, nowMs), c.loss !== null ? `loss ${formatValue(c.loss)}` : null]
    .filter(Boolean)
    .join(' · ');
}

/** A run that may be resumed or have checkpoints deleted: not training in any process we know of. */
export function isIdle(run: Pick<RunView, 'status'>): boolean {
  return run.status !== 'training' && run.status !== 'stopping';
}

export interface RunPickItem {
  label: string;
  description: string;
  detail: string;
  picked: boolean;
  runDir: string;
}

/**
 * Open Loss Curves' choices: the runs that train are pre-selected, and a lone run is too, so that
 * Enter charts something rather than nothing.
 */
export function lossCurvesPickItems(runs: readonly RunView[]): RunPickItem[] {
  const anyTraining = runs.some((r) => !isIdle(r));
  return runs.map((r) => ({
    label: r.name,
    description: r.status,
    detail: r.dir,
    picked: anyTraining ? !isIdle(r) : runs.length === 1,
    runDir: r.dir,
  }));
}
