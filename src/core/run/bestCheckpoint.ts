/**
 * Which checkpoint of a run is "best": the one rule for the Runs tree and the loss-curves markers.
 *
 * The run's own trainer state decides (a native trainer_state.json's `best_checkpoint`, a Hugging
 * Face one's `best_model_checkpoint`): each save records the best so far, so the state of the
 * newest save by STEP is the one to trust. Step, not modification time: times change when folders
 * are copied, restored or touched, while the step is the order training wrote them in. Ties on step
 * go to the newer file. A name that is no longer among the run's valid checkpoints (retention
 * deleted it) marks nothing; a run whose state names no best has none.
 */

export interface BestCandidate {
  name: string;
  step: number | null;
  mtimeMs: number;
  valid: boolean;
  /** The best checkpoint this checkpoint's trainer state names (a folder name or a path), null when none or unread. */
  namesBest: string | null;
}

/** The folder name of the best checkpoint, or null. */
export function bestCheckpointName(checkpoints: readonly BestCandidate[]): string | null {
  const byStep = checkpoints
    .filter((c) => c.valid)
    .sort((a, b) => (b.step ?? -1) - (a.step ?? -1) || b.mtimeMs - a.mtimeMs);
  const named = byStep.find((c) => c.namesBest !== null)?.namesBest;
  if (!named) return null;
  const name = folderName(named);
  return byStep.some((c) => c.name === name) ? name : null;
}

/** `runs/x/checkpoint-40/` or `checkpoint-40` → `checkpoint-40` (either separator). */
export function folderName(nameOrPath: string): string {
  const parts = nameOrPath.replace(/[\\/]+$/, '').split(/[\\/]/);
  return parts[parts.length - 1] ?? nameOrPath;
}
