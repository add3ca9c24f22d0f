/** `checkpoints DIR --json` rows: every checkpoint folder, newest first, exactly one `latest` when any is valid. */
import { join } from 'node:path';
import { compareNewestFirst, discoverOne, readCheckpointFolderNames } from './discovery';
import { CHECKPOINT_READ_CONCURRENCY, mapLimited, retryTransient } from './concurrency';
import { errorMessage, rethrowReaderFailure } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
import { entryMatchesFolder, readListingIndex, type IndexedCheckpoint } from './listingIndex';
import { CHECKPOINTS_DIR, MANIFEST_FILE } from './layout';
import { identityOf, type ManifestIdentity } from './validate';
import { stateFileProblems } from './reader';
import { readOptimizerState, readSchedulerState, readTrainerState, summariseOptimizer } from './summaries';
import type { CheckpointInfo, Manifest } from './types';

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

/** A row, the save counter that orders equal modification times, and the manifest it was read from. */
export interface ListedCheckpoint {
  info: CheckpointInfo;
  saveCounter: number;
  manifestIdentity: ManifestIdentity | null;
}

/** The identity of a checkpoint folder's manifest as it is now; null when there is none (then the folder is read). */
export async function currentManifestIdentity(
  fs: CheckpointFs,
  checkpointPath: string,
): Promise<ManifestIdentity | null> {
  try {
    const stat = await fs.lstat(join(checkpointPath, MANIFEST_FILE));
    return stat.isFile() ? identityOf(stat) : null;
  } catch (error) {
    rethrowReaderFailure(error, checkpointPath);
    return null;
  }
}

export async function listCheckpoints(dir: string, options: ListOptions = {}): Promise<CheckpointInfo[]> {
  const fs = options.fs ?? defaultFs;
  const verifyChecksums = options.verifyChecksums ?? false;
  const { checkpointsDir, names, index } = await readFolder(dir, fs, (options.useIndex ?? false) && !verifyChecksums);
  const listed = await mapLimited(names, CHECKPOINT_READ_CONCURRENCY, async (name) => {
    const path = join(checkpointsDir, name);
    const indexed = index?.get(name);
    if (indexed && entryMatchesFolder(indexed, await currentManifestIdentity(fs, path)))
      return fromIndex(path, indexed);
    return describeCheckpoint(path, name, { fs, verifyChecksums });
  });
  const rows = listed
    .map((l) => ({
      info: l.info,
      order: { mtimeMs: l.info.mtimeMs, saveCounter: l.saveCounter, step: l.info.step, name: l.info.name },
    }))
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
export async function describeCheckpoint(
  path: string,
  name: string,
  options: { fs: CheckpointFs; verifyChecksums: boolean },
): Promise<ListedCheckpoint> {
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
  const manifest = c.manifest;
  if (!c.valid || !manifest) return { info: row, saveCounter: c.saveCounter, manifestIdentity: c.manifestIdentity };
  return retryTransient(() => describeValid(row, c.saveCounter, c.manifestIdentity, manifest, fs));
}

async function describeValid(
  validRow: CheckpointInfo,
  saveCounter: number,
  manifestIdentity: ManifestIdentity | null,
  manifest: Manifest,
  fs: CheckpointFs,
): Promise<ListedCheckpoint> {
  const row = { ...validRow, problems: [...validRow.problems] };
  const listed = { info: row, saveCounter, manifestIdentity };
  // Small files whose bytes may match the manifest and still not parse: resume would refuse them.
  const stateProblems = await stateFileProblems(row.path, manifest, fs);
  if (stateProblems.length > 0)
    return { ...listed, info: { ...row, valid: false, problems: [...row.problems, ...stateProblems] } };
  try {
    const optimizer = await readOptimizerState(fs, row.path, manifest);
    row.optimizer = optimizer ? summariseOptimizer(optimizer, manifest) : null;
    row.scheduler = await readSchedulerState(fs, row.path, manifest);
    const trainer = await readTrainerState(fs, row.path, manifest);
    row.trainer = trainer ? { loss: trainer.loss, bestCheckpoint: trainer.best_checkpoint } : null;
  } catch (error) {
    rethrowReaderFailure(error, row.path);
    row.valid = false;
    row.problems.push(errorMessage(error));
  }
  return listed;
}

/** The index entry of a valid row (what listingIndexUpdate.ts writes); null without a manifest identity. */
export function toIndexEntry(listed: ListedCheckpoint): IndexedCheckpoint | null {
  const { info, manifestIdentity } = listed;
  if (!manifestIdentity) return null;
  return {
    manifest: manifestIdentity,
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
    manifestIdentity: entry.manifest,
  };
}
