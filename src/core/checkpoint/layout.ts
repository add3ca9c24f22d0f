/** Names of files and folders of the on-disk layout (see types.ts). */
import { basename, join } from 'node:path';

export const CHECKPOINTS_DIR = 'checkpoints';
export const CHECKPOINT_PREFIX = 'checkpoint-';
export const MANIFEST_FILE = 'manifest.json';
export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_TENSORS_FILE = 'optimizer.safetensors';
export const OPTIMIZER_STATE_FILE = 'optimizer.json';
export const SCHEDULER_FILE = 'scheduler.json';
export const TRAINER_STATE_FILE = 'trainer_state.json';
export const METADATA_FILE = 'metadata.json';
export const SAVE_COUNTER_FILE = '.save-counter';
export const LOCK_FILE = '.lock';
/** Folders being written; never candidates, removed by the next save. */
export const TEMP_PREFIX = '.tmp-';
/** An old folder moved aside while a save replaces it under the same name. */
export const REPLACED_PREFIX = '.replaced-';
/**
 * Ends every temporary or moved-aside name this program makes under checkpoints/: cleanup touches
 * only names with it, never a user's own `.tmp-*` or `.replaced-*` folder.
 */
const OWN_MARK = '.training-runs';

/** `.tmp-<what>.training-runs`: a temporary file or folder of this program. */
export function ownTempName(what: string): string {
  return `${TEMP_PREFIX}${what}${OWN_MARK}`;
}

/** `.replaced-<checkpoint>.training-runs`: a checkpoint moved aside while a save replaces it. */
export function replacedName(checkpoint: string): string {
  return `${REPLACED_PREFIX}${checkpoint}${OWN_MARK}`;
}

/** What cleanup may do with an entry of checkpoints/: remove it, restore it under its original name, or leave it (not ours). */
export function leftoverKind(entry: string): { remove: true } | { restoreAs: string } | null {
  if (!entry.endsWith(OWN_MARK)) return null;
  if (entry.startsWith(TEMP_PREFIX)) return { remove: true };
  if (entry.startsWith(REPLACED_PREFIX)) return { restoreAs: entry.slice(REPLACED_PREFIX.length, -OWN_MARK.length) };
  return null;
}

export function checkpointName(step: number): string {
  return `${CHECKPOINT_PREFIX}${step}`;
}

/** The step in a folder name `checkpoint-<step>`, or null. */
export function stepFromName(name: string): number | null {
  const match = /^checkpoint-(\d+)$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** A run's output folder or its `checkpoints/` folder → the `checkpoints/` folder. */
export function checkpointsDirOf(dir: string): string {
  return basename(dir) === CHECKPOINTS_DIR ? dir : join(dir, CHECKPOINTS_DIR);
}
