/**
 * What Train settles with the user before a built-in trainer starts, from the config as it would
 * be loaded: `resume_from_checkpoint: true` with no valid checkpoint to resume (start fresh, or
 * cancel), and a fresh start into a folder that already has checkpoints (resume, a new folder, or
 * replace: the old checkpoints move to an abandoned branch, see abandonedBranch.ts). Returns the
 * `--set` overrides that carry the answer, or undefined when the user cancelled. A config that
 * cannot be read passes unchanged: the trainer reports its errors with file and line.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { CheckpointInfo } from '../../core/checkpoint/types';
import { readLaunchConfig } from '../reading';
import { moveAsideCheckpoints } from '../../core/checkpoint/abandonedBranch';
import { projectDirOf } from '../process/launch';
import type { Prompts } from '../ui/prompts';

export const START_FRESH = 'Start Fresh';
export const RESUME = 'Resume';
export const NEW_FOLDER = 'New Folder';
export const REPLACE = 'Replace';

export interface PreflightDeps {
  prompts: Prompts;
  listCheckpoints(runDir: string): Promise<CheckpointInfo[]>;
  /** A trainer (of this window or another process) writes there now: nothing to ask, the start is refused. */
  isBusy(runDir: string): Promise<boolean>;
  /** Called after Replace moved a folder's checkpoints aside (panels reset, the tree re-reads). */
  replaced?(runDir: string): Promise<void> | void;
}

export async function trainPreflight(
  configPath: string,
  sets: readonly string[],
  deps: PreflightDeps,
): Promise<string[] | undefined> {
  // Read in the reader workers (a hostile config is refused within the time budget, off the host's thread).
  const launch = await readLaunchConfig(configPath, { cwd: projectDirOf(configPath), sets: [...sets] }).catch(
    () => null,
  );
  // Only the built-in trainer's configs, and only one that loads (else the trainer reports its problems).
  const config = launch?.kind === 'native' ? launch.config : null;
  if (!config) return [...sets];
  const dir = path.resolve(config.output_dir);
  if (await deps.isBusy(dir)) return [...sets];
  const rows = await deps.listCheckpoints(dir).catch(() => [] as CheckpointInfo[]);
  const valid = rows.filter((c) => c.valid);
  const name = path.basename(dir);

  if (config.resume_from_checkpoint === true && valid.length === 0) {
    const why =
      rows.length === 0
        ? `${dir} has no checkpoint yet`
        : `none of its ${rows.length} checkpoints is valid (${rows[0]!.name}: ${rows[0]!.problems.join('; ') || 'invalid'})`;
    const answer = await deps.prompts.choose(
      'warning',
      `Training ${name}: resume_from_checkpoint is true, but ${why}. Start from step 0 instead?`,
      {},
      START_FRESH,
    );
    return answer === START_FRESH ? [...sets, 'resume_from_checkpoint=false'] : undefined;
  }

  if (config.resume_from_checkpoint === false && valid.length > 0) {
    const newest = [...valid].sort((a, b) => (b.step ?? -1) - (a.step ?? -1))[0]!;
    const fresh = freeSibling(dir);
    const answer = await deps.prompts.choose(
      'warning',
      `${name} already has ${rows.length} checkpoint${rows.length === 1 ? '' : 's'} (newest ${newest.name}). Training this config starts from step 0 in the same folder.`,
      {
        modal: true,
        detail: `${RESUME}: continue from ${newest.name}. ${NEW_FOLDER}: train into ${path.basename(fresh)}. ${REPLACE}: move the existing checkpoints and loss history to ${name}/abandoned-branches/ (nothing is deleted) and start fresh.`,
      },
      RESUME,
      NEW_FOLDER,
      REPLACE,
    );
    if (answer === RESUME) return [...sets, 'resume_from_checkpoint=true'];
    if (answer === NEW_FOLDER) return [...sets, `output_dir=${JSON.stringify(fresh)}`];
    if (answer !== REPLACE) return undefined;
    // The old curve goes with its checkpoints, so the loss curves show the new run alone.
    const metrics = path.join(dir, 'metrics.jsonl');
    await moveAsideCheckpoints(dir, [...rows.map((c) => c.path), ...(existsSync(metrics) ? [metrics] : [])]);
    await deps.replaced?.(dir);
    return [...sets];
  }
  return [...sets];
}

/** `<dir>-2`, `<dir>-3`, ...: the first that does not exist. */
export function freeSibling(dir: string): string {
  for (let n = 2; ; n++) {
    const candidate = `${dir}-${n}`;
    if (!existsSync(candidate)) return candidate;
  }
}
