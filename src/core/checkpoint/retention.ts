/**
 * Which checkpoints to delete after a save committed. Pure: the manager applies it.
 * - keep_every_steps multiples are kept outside the limit;
 * - the just-written and the best checkpoint are always kept and count toward the limit;
 * - the newest others fill the limit; the rest, oldest, are deleted.
 * Only valid checkpoints are given here: invalid folders neither count nor get deleted.
 */
import type { RetentionOptions } from './types';

export interface RetentionCandidate {
  name: string;
  step: number | null;
}

export function selectForDeletion(
  /** Valid checkpoints, newest first (discovery order). */
  newestFirst: RetentionCandidate[],
  options: RetentionOptions,
  /** Names never deleted: the checkpoint just written, the best one. */
  protectedNames: ReadonlySet<string>,
): string[] {
  const limit = options.save_total_limit;
  if (limit === null) return [];
  const every = options.keep_every_steps;
  const rotating = newestFirst.filter((c) => !(every !== null && every > 0 && c.step !== null && c.step % every === 0));
  const kept = new Set(rotating.filter((c) => protectedNames.has(c.name)).map((c) => c.name));
  const deleted: string[] = [];
  for (const candidate of rotating) {
    if (kept.has(candidate.name)) continue;
    if (kept.size < limit) kept.add(candidate.name);
    else deleted.push(candidate.name);
  }
  return deleted;
}
