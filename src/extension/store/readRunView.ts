/**
 * One run read from disk into a view (record, checkpoints with their loss and the best one, saves in
 * progress, problems), through the store's injected reader. The store decides its status and
 * adds its live progress when the read is applied.
 */
import * as path from 'node:path';
import type { CheckpointInfo } from '../../core/checkpoint/types';
import { bestCheckpointName } from '../../core/run/index';
import type { ListRequest, RunReader } from './runReader';
import { emptyRun, type CheckpointView, type RunView } from './runView';

/** Everything on disk about `dir` (no live progress nor Slurm job state: the store keeps its own). */
export async function readRunView(reader: RunReader, dir: string, request: ListRequest): Promise<RunView> {
  const problems: string[] = [];
  let unreadable: string | undefined;
  // A refused read (too large, malformed, not a regular file, over the time budget) marks the run unreadable.
  const refused = (what: string | null, err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err);
    problems.push(what ? `${what}: ${message}` : message);
    unreadable ??= message.split(`${dir}${path.sep}`).join('');
  };
  let recordError: unknown;
  let listError: unknown;
  const [{ record, problem }, infos, writing] = await Promise.all([
    reader.readRunRecord(dir).catch((err: unknown) => ((recordError = err), { record: null, problem: null })),
    reader.listRunCheckpoints(dir, request).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') listError = err;
      return [] as CheckpointInfo[];
    }),
    reader.listWritingFolders(dir),
  ]);
  if (problem) refused(null, problem);
  if (recordError !== undefined) refused('Cannot read run.json', recordError);
  if (listError !== undefined) refused('Cannot list checkpoints', listError);
  // Rows of the engine carry their trainer summary; other sources' rows are read here.
  const summaries = await Promise.all(
    infos.map((c) =>
      !c.valid ? null : c.trainer !== undefined ? c.trainer : reader.readTrainerSummary(c.path).catch(() => null),
    ),
  );
  const best = bestCheckpointName(infos.map((c, i) => ({ ...c, namesBest: summaries[i]?.bestCheckpoint ?? null })));
  const checkpoints: CheckpointView[] = infos.map((c, i) => ({
    ...c,
    loss: summaries[i]?.loss ?? null,
    best: c.name === best,
  }));
  return {
    ...emptyRun(dir),
    record,
    checkpoints,
    writing,
    problems,
    ...(unreadable !== undefined ? { unreadable } : {}),
  };
}
