/** `checkpoints DIR --json` rows: every checkpoint folder, newest first, exactly one `latest` when any is valid. */
import { join } from 'node:path';
import { compareNewestFirst, discoverOne, readCheckpointFolderNames } from './discovery';
import { errorMessage } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
import { readListingIndex, type IndexedCheckpoint } from './listingIndex';
import { CHECKPOINTS_DIR } from './layout';
import { stateFileProblems } from './reader';
import { readOptimizerState, readSchedulerState, readTrainerState, summariseOptimizer } from './summaries';
import type { CheckpointInfo } from './types';

export interface ListOptions {
  verifyChecksums?: boolean;
  /**
   * Take the rows of checkpoints named in the run's listing index (listingIndex.ts) as committed,
   * validating only the others: one file read per run instead of a stat of every file. For listing
   * many runs; a file changed inside a committed checkpoint afterwards is only seen without it.
   * Ignored with `verifyChecksums`.
   */
  useIndex?: boolean;
  fs?: CheckpointFs;
}

/** A row and the save counter that orders equal modification times. */
export interface ListedCheckpoint {
  info: CheckpointInfo;
  saveCounter: number;
}

export async function listCheckpoints(dir: string, options: ListOptions = {}): Promise<CheckpointInfo[]> {
  const fs = options.fs ?? defaultFs;
  const verifyChecksums = options.verifyChecksums ?? false;
  const { checkpointsDir, names, index } = await readFolder(dir, fs, (options.useIndex ?? false) && !verifyChecksums);
  const listed = await Promise.all(
    names.map((name) => {
      const path = join(checkpointsDir, name);
      const indexed = index?.get(name);
      return indexed ? fromIndex(path, indexed) : describeCheckpoint(path, name, { fs, verifyChecksums });
    }),
  );
  const rows = listed
    .map((l) => ({ info: l.info, order: { mtimeMs: l.info.mtimeMs, saveCounter: l.saveCounter, step: l.info.step, name: l.info.name } }))
    .sort((a, b) => compareNewestFirst(a.order, b.order))
    .map((l) => l.info);
  const latest = rows.find((r) => r.valid);
  if (latest) latest.latest = true;
  return rows;
}

/**
 * The checkpoint folder names and (when asked) the listing index of `dir`, a run's output folder
 * (holding `checkpoints/`) or its checkpoints folder, as resolveCheckpointsDir decides, but
 * reading `dir/checkpoints` straight away: listing many runs costs one round trip less per run.
 */
async function readFolder(dir: string, fs: CheckpointFs, useIndex: boolean) {
  const read = (folder: string) =>
    Promise.all([readCheckpointFolderNames(folder, fs), useIndex ? readListingIndex(folder, fs) : null] as const);
  const inner = join(dir, CHECKPOINTS_DIR);
  const [names, index] = await read(inner);
  if (names !== null) return { checkpointsDir: inner, names, index };
  const [outerNames, outerIndex] = await read(dir);
  return { checkpointsDir: dir, names: outerNames ?? [], index: outerIndex };
}

/** Validates one checkpoint folder and reads what its row shows (optimizer, scheduler, trainer summary). */
export async function describeCheckpoint(path: string, name: string, options: { fs: CheckpointFs; verifyChecksums: boolean }): Promise<ListedCheckpoint> {
  const { fs } = options;
  const c = await discoverOne(path, name, options);
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
    trainer: null,
  };
  const listed = { info: row, saveCounter: c.saveCounter };
  if (!c.valid || !c.manifest) return listed;
  // Small files whose bytes may match the manifest and still not parse: resume would refuse them.
  const stateProblems = await stateFileProblems(c.path, c.manifest, fs);
  if (stateProblems.length > 0) return { ...listed, info: { ...row, valid: false, problems: [...row.problems, ...stateProblems] } };
  try {
    const optimizer = await readOptimizerState(fs, c.path, c.manifest);
    row.optimizer = optimizer ? summariseOptimizer(optimizer, c.manifest) : null;
    row.scheduler = await readSchedulerState(fs, c.path, c.manifest);
    const trainer = await readTrainerState(fs, c.path, c.manifest);
    row.trainer = trainer ? { loss: trainer.loss, bestCheckpoint: trainer.best_checkpoint } : null;
  } catch (error) {
    row.valid = false;
    row.problems.push(errorMessage(error));
  }
  return listed;
}

/** The index entry of a valid row (what listingIndexUpdate.ts writes). */
export function toIndexEntry(listed: ListedCheckpoint): IndexedCheckpoint {
  const { info } = listed;
  return {
    name: info.name,
    step: info.step,
    mtimeMs: info.mtimeMs,
    saveCounter: listed.saveCounter,
    optimizer: info.optimizer,
    scheduler: info.scheduler,
    trainer: info.trainer ?? null,
  };
}

function fromIndex(path: string, entry: IndexedCheckpoint): ListedCheckpoint {
  return {
    info: {
      path,
      name: entry.name,
      step: entry.step,
      mtimeMs: entry.mtimeMs,
      valid: true,
      latest: false,
      problems: [],
      optimizer: entry.optimizer,
      scheduler: entry.scheduler,
      trainer: entry.trainer,
    },
    saveCounter: entry.saveCounter,
  };
}
