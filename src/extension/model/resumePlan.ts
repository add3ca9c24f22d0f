/**
 * What a resume from a given checkpoint would do, decided before anything starts: whether it would
 * train nothing (the checkpoint is at or past the run's max_steps) and which later checkpoints it
 * would leave on an abandoned branch. vscode-free so the rules are unit-tested.
 */
import type { CheckpointView, RunView } from '../store/runView';

export interface ResumePlan {
  /** Set when the checkpoint already reached the run's target: the run must be given a new one. */
  pastEnd: { step: number; maxSteps: number; proposedMaxSteps: number } | null;
  /**
   * Valid checkpoints of a later step than the one resumed from (the branch a resume abandons).
   * Invalid ones are not resumable anyway and stay listed as invalid.
   */
  later: CheckpointView[];
}

export function planResume(run: RunView, checkpoint: CheckpointView): ResumePlan {
  const step = checkpoint.step;
  const maxSteps = run.record?.maxSteps ?? null;
  // Another stretch as long as the run's own target: 500 of 500 proposes 1,000.
  const pastEnd =
    step !== null && maxSteps !== null && step >= maxSteps
      ? { step, maxSteps, proposedMaxSteps: Math.max(step, maxSteps) + maxSteps }
      : null;
  const later =
    step === null
      ? []
      : run.checkpoints.filter((c) => c.valid && c.path !== checkpoint.path && c.step !== null && c.step > step);
  return { pastEnd, later };
}

/** undefined when `text` is a max_steps past `step`, else why not. */
export function validateMaxSteps(text: string, step: number): string | undefined {
  const n = Number(text.trim());
  if (!Number.isInteger(n)) return 'Enter a whole number of steps.';
  if (n <= step)
    return `Enter more than ${step}: the checkpoint is at step ${step}, so a smaller max_steps trains nothing.`;
  return undefined;
}
