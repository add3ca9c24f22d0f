/**
 * The rule for checkpoints left behind when training continues from an older point (Resume From
 * Here on a checkpoint that is not the newest, or a fresh start into a folder with checkpoints):
 * they are moved, whole and unchanged, to `<run>/abandoned-branches/<time>/`, out of the folders
 * that listing, retention, resume-latest and the loss curves read. Nothing is deleted; moving a
 * folder back restores it. vscode-free.
 */
import { mkdir, rename } from 'node:fs/promises';
import * as path from 'node:path';

/** Folder (inside a run folder) of abandoned branches; workspace discovery skips it. */
export const ABANDONED_DIR = 'abandoned-branches';

/** Where checkpoints abandoned at `now` go. */
export function abandonedBranchDir(runDir: string, now: Date = new Date()): string {
  return path.join(runDir, ABANDONED_DIR, now.toISOString().replace(/[:.]/g, '-'));
}

/** Moves the checkpoint folders (and any other file of the branch) into one new abandoned-branch folder; returns it. */
export async function moveAsideCheckpoints(
  runDir: string,
  checkpointPaths: readonly string[],
  now: Date = new Date(),
): Promise<string> {
  const dest = abandonedBranchDir(runDir, now);
  await mkdir(dest, { recursive: true });
  for (const p of checkpointPaths) await rename(p, path.join(dest, path.basename(p)));
  return dest;
}
