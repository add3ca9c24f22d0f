/**
 * Removing a checkpoint's optimizer state on purpose (it is often twice the weights' size with
 * Adam): the manifest is rewritten first, without the optimizer files and naming them under
 * `removed_on_purpose`, keeping its modification time (the order of checkpoints does not change);
 * then the files are deleted. The checkpoint stays valid: a resume restoring the optimizer starts
 * it afresh and says why, and nothing calls it damage. A crash in between leaves unlisted files,
 * which nothing reads.
 */
import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, errorCode } from './errors';
import { defaultFs, fsyncDir, type CheckpointFs } from './fs';
import { writeHashedSynced } from './hashedIo';
import { MANIFEST_FILE, OPTIMIZER_STATE_FILE, OPTIMIZER_TENSORS_FILE, ownTempName } from './layout';
import type { Manifest } from './types';
import { validateCheckpoint } from './validate';

export const OPTIMIZER_FILES: readonly string[] = [OPTIMIZER_TENSORS_FILE, OPTIMIZER_STATE_FILE];

export async function pruneOptimizerState(
  checkpoint: string,
  fs: CheckpointFs = defaultFs,
): Promise<{ removed: string[]; bytes: number }> {
  const validation = await validateCheckpoint(checkpoint, { fs });
  if (!validation.valid || !validation.manifest)
    throw new CheckpointError(`${checkpoint} is not a valid checkpoint: ${validation.problems.join('; ')}`, 2);
  const manifest = validation.manifest;
  const removed = manifest.files.filter((f) => OPTIMIZER_FILES.includes(f.path));
  if (removed.length === 0) return { removed: [], bytes: 0 };
  const updated: Manifest = {
    ...manifest,
    files: manifest.files.filter((f) => !OPTIMIZER_FILES.includes(f.path)),
    removed_on_purpose: [...new Set([...(manifest.removed_on_purpose ?? []), ...removed.map((f) => f.path)])],
  };
  const manifestPath = join(checkpoint, MANIFEST_FILE);
  const temp = join(checkpoint, ownTempName('manifest'));
  await writeHashedSynced(fs, temp, [Buffer.from(JSON.stringify(updated, null, 2))]);
  const time = new Date(validation.mtimeMs);
  await utimes(temp, time, time);
  await fs.rename(temp, manifestPath);
  await fsyncDir(fs, checkpoint);
  for (const file of removed) {
    await fs.unlink(join(checkpoint, file.path)).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
  }
  return { removed: removed.map((f) => f.path), bytes: removed.reduce((n, f) => n + f.size, 0) };
}
