/** `checkpoints DIR --json` rows: every checkpoint folder, newest first, exactly one `latest` when any is valid. */
import { discoverCheckpoints } from './discovery';
import { errorMessage } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
import { stateFileProblems } from './reader';
import { readOptimizerState, readSchedulerState, summariseOptimizer } from './summaries';
import type { CheckpointInfo } from './types';

export interface ListOptions {
  verifyChecksums?: boolean;
  fs?: CheckpointFs;
}

export async function listCheckpoints(dir: string, options: ListOptions = {}): Promise<CheckpointInfo[]> {
  const fs = options.fs ?? defaultFs;
  const found = await discoverCheckpoints(dir, { fs, verifyChecksums: options.verifyChecksums ?? false });
  const rows = await Promise.all(
    found.map(async (c): Promise<CheckpointInfo> => {
      const row: CheckpointInfo = {
        path: c.path,
        name: c.name,
        step: c.step,
        mtimeMs: c.mtimeMs,
        valid: c.valid,
        latest: false,
        problems: [...c.problems],
        optimizer: null,
        scheduler: null,
      };
      if (!c.valid || !c.manifest) return row;
      // Small files whose bytes may match the manifest and still not parse: resume would refuse them.
      const stateProblems = await stateFileProblems(c.path, c.manifest, fs);
      if (stateProblems.length > 0) return { ...row, valid: false, problems: [...row.problems, ...stateProblems] };
      try {
        const optimizer = await readOptimizerState(fs, c.path, c.manifest);
        row.optimizer = optimizer ? summariseOptimizer(optimizer, c.manifest) : null;
        row.scheduler = await readSchedulerState(fs, c.path, c.manifest);
      } catch (error) {
        row.valid = false;
        row.problems.push(errorMessage(error));
      }
      return row;
    }),
  );
  const latest = rows.find((r) => r.valid);
  if (latest) latest.latest = true;
  return rows;
}
