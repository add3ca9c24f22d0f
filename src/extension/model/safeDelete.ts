/**
 * Deleting a checkpoint from the tree: only ever a `checkpoint-<step>` folder directly inside the
 * `checkpoints/` folder of a known run (or, for a Hugging Face run, a Hugging Face checkpoint folder
 * directly inside the run folder), and never following a link out of it (every entry is
 * lstat'ed; links are removed as links, their targets untouched). vscode-free and unit-tested.
 */
import { lstat, readdir, rmdir, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { CHECKPOINTS_DIR, stepFromName } from '../../core/checkpoint/layout';
import { isHfCheckpointFolder } from '../../core/hf/checkpointFolder';

export class DeleteRefusedError extends Error {}

/** Throws DeleteRefusedError (with the reason) unless `checkpointPath` is a checkpoint folder of one of `runDirs`. */
export async function assertDeletableCheckpoint(checkpointPath: string, runDirs: readonly string[]): Promise<void> {
  const target = path.resolve(checkpointPath);
  const parent = path.dirname(target);
  const runs = runDirs.map((d) => path.resolve(d));
  const owner = runs.find((d) => path.join(d, CHECKPOINTS_DIR) === parent);
  // Hugging Face runs keep checkpoint-<step> folders directly in the run (output) folder.
  const hfOwner = owner ? undefined : runs.find((d) => d === parent);
  if (hfOwner && !(await isHfCheckpointFolder(target))) {
    throw new DeleteRefusedError(
      `${target} is not a Hugging Face checkpoint folder (checkpoint-<step> with trainer_state.json, weights ...); nothing was deleted.`,
    );
  }
  if (!owner && !hfOwner)
    throw new DeleteRefusedError(`${target} is not inside the checkpoints folder of a known run; nothing was deleted.`);
  if (stepFromName(path.basename(target)) === null) {
    throw new DeleteRefusedError(
      `${target} is not a checkpoint folder (expected checkpoint-<step>); nothing was deleted.`,
    );
  }
  // The checkpoints folder itself must be a real folder: a link there would point the delete elsewhere.
  const parentStat = await lstat(parent);
  if (parentStat.isSymbolicLink() || !parentStat.isDirectory()) {
    throw new DeleteRefusedError(`${parent} is a link or not a folder; refusing to delete through it.`);
  }
  await lstat(target); // ENOENT surfaces as "already gone" to the caller
}

/** Delete a checkpoint folder after `assertDeletableCheckpoint`. A link in its place is unlinked, not followed. */
export async function deleteCheckpointFolder(checkpointPath: string, runDirs: readonly string[]): Promise<void> {
  await assertDeletableCheckpoint(checkpointPath, runDirs);
  await removeWithoutFollowingLinks(path.resolve(checkpointPath));
}

async function removeWithoutFollowingLinks(target: string): Promise<void> {
  const st = await lstat(target);
  if (!st.isDirectory()) {
    await unlink(target); // files and links (to files or folders) alike
    return;
  }
  for (const name of await readdir(target)) await removeWithoutFollowingLinks(path.join(target, name));
  await rmdir(target);
}
