/**
 * Which checkpoints to delete after a save committed. Pure: the manager applies it.
 * - keep_every_steps multiples are kept outside the limit;
 * - the just-written checkpoint, the recorded best and the `preserve_n_best` best by the metric are
 *   always kept, and count toward the limit;
 * - the newest others fill the rest of the limit; the remaining, oldest, are deleted.
 * So the total stays within save_total_limit unless the limit is below preserve_n_best + 1 (then
 * the best ones and the newest are still kept, as Hugging Face keeps the best beside a limit of 1).
 * Only valid checkpoints are given here: invalid folders neither count nor get deleted.
 */
import type { RetentionOptions, TrainerState } from './types';

export interface RetentionCandidate {
  name: string;
  step: number | null;
  /** Its metric_for_best_model value; null or absent when it has none (never among the best). */
  metric?: number | null;
}

export interface BestRanking {
  /** How many of the best to keep (at least the best one). */
  preserve_n_best: number;
  greater_is_better: boolean;
}

export function selectForDeletion(
  /** Valid checkpoints, newest first (discovery order). */
  newestFirst: RetentionCandidate[],
  options: RetentionOptions,
  /** Names never deleted: the checkpoint just written, the best one. */
  protectedNames: ReadonlySet<string>,
  /** Set when a metric decides the best: its N best are protected too. */
  ranking: BestRanking | null = null,
): string[] {
  const limit = options.save_total_limit;
  if (limit === null) return [];
  const every = options.keep_every_steps;
  const rotating = newestFirst.filter((c) => !(every !== null && every > 0 && c.step !== null && c.step % every === 0));
  const best = ranking ? nBest(newestFirst, ranking) : [];
  const kept = new Set(rotating.filter((c) => protectedNames.has(c.name) || best.includes(c.name)).map((c) => c.name));
  const deleted: string[] = [];
  for (const candidate of rotating) {
    if (kept.has(candidate.name)) continue;
    if (kept.size < limit) kept.add(candidate.name);
    else deleted.push(candidate.name);
  }
  return deleted;
}

/**
 * Names of the N best by metric. A tie goes to the earlier checkpoint (a later one must be strictly
 * better to take its place, as for the recorded best); checkpoints without a finite metric never count.
 */
export function nBest(newestFirst: readonly RetentionCandidate[], ranking: BestRanking): string[] {
  const scored = newestFirst
    .map((c, newness) => ({ name: c.name, metric: c.metric, newness }))
    .filter(
      (c): c is { name: string; metric: number; newness: number } =>
        typeof c.metric === 'number' && Number.isFinite(c.metric),
    );
  const sign = ranking.greater_is_better ? -1 : 1;
  // Better first; among equals the older (higher index in newest-first order) first.
  scored.sort((a, b) => sign * (a.metric - b.metric) || b.newness - a.newness);
  return scored.slice(0, Math.max(1, ranking.preserve_n_best)).map((c) => c.name);
}

/** A trainer state's value of `metric` (`loss` falls back to the logged training loss); null when absent or not finite. */
export function metricOf(state: Pick<TrainerState, 'metrics' | 'loss'>, metric: string): number | null {
  const value = state.metrics?.[metric] ?? (metric === 'loss' ? state.loss : null);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
