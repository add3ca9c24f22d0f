/**
 * A run folder holds one line of training. A start from step 0 into a folder that still holds an
 * earlier run's checkpoints would overwrite them save by save and append its loss to theirs in
 * metrics.jsonl; the extension asks first (Train → Replace), the command line did not. So the
 * trainer moves them, and that metrics.jsonl, aside by the same rule: whole and unchanged, to
 * `<run>/abandoned-branches/<time>/`. Nothing is deleted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { moveAsideCheckpoints } from '../../core/checkpoint/abandonedBranch';
import { checkpointFolderNames } from '../../core/checkpoint/discovery';
import { defaultFs } from '../../core/checkpoint/fs';
import { CHECKPOINTS_DIR, stepFromName } from '../../core/checkpoint/layout';
import { METRICS_FILE } from '../../core/run/index';

export interface MovedAside {
  /** The abandoned-branch folder they went to. */
  dest: string;
  /** The checkpoint folders moved, highest step first. */
  checkpoints: string[];
}

/** Moves an earlier run's checkpoint folders and metrics.jsonl aside; null when the folder holds no checkpoint. */
export async function moveAsideEarlierRun(runDir: string, now: Date = new Date()): Promise<MovedAside | null> {
  const checkpointsDir = join(runDir, CHECKPOINTS_DIR);
  // The folders listing and resume look at (discovery's own definition).
  const checkpoints = (await checkpointFolderNames(checkpointsDir, defaultFs)).sort(
    (a, b) => (stepFromName(b) ?? -1) - (stepFromName(a) ?? -1),
  );
  if (checkpoints.length === 0) return null;
  const metrics = join(runDir, METRICS_FILE);
  const dest = await moveAsideCheckpoints(
    runDir,
    [...checkpoints.map((name) => join(checkpointsDir, name)), ...(existsSync(metrics) ? [metrics] : [])],
    now,
  );
  return { dest, checkpoints };
}
