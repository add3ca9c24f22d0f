/**
 * Keeping a run's listing index (listingIndex.ts) current. The checkpoint manager calls this after
 * each commit and retention pass: entries of folders that are gone are dropped, the entry of the
 * folder just written is replaced (it may replace one of the same name), and valid folders the index
 * did not know (saved by an older trainer, or before the index existed) are described once.
 */
import { join } from 'node:path';
import { CHECKPOINT_READ_CONCURRENCY, mapLimited } from './concurrency';
import { checkpointFolderNames } from './discovery';
import type { CheckpointFs } from './fs';
import { MANIFEST_FILE, OPTIMIZER_STATE_FILE, SCHEDULER_FILE, TRAINER_STATE_FILE } from './layout';
import { currentManifestIdentity, describeCheckpoint, toIndexEntry } from './list';
import { entryMatchesFolder, readListingIndex, writeListingIndex, type IndexedCheckpoint } from './listingIndex';
import { parseOptimizerState, parseSchedulerState } from './stateSchemas';
import { listed, summariseOptimizer } from './summaries';
import type { CheckpointContent, Manifest } from './types';
import { identityOf } from './validate';

export async function updateListingIndex(
  checkpointsDir: string,
  fs: CheckpointFs,
  written: readonly IndexedCheckpoint[],
): Promise<void> {
  const [names, previous] = await Promise.all([
    checkpointFolderNames(checkpointsDir, fs),
    readListingIndex(checkpointsDir, fs),
  ]);
  const justWritten = new Map(written.map((e) => [e.name, e]));
  const entries = await mapLimited(
    names,
    CHECKPOINT_READ_CONCURRENCY,
    async (name): Promise<IndexedCheckpoint | null> => {
      const path = join(checkpointsDir, name);
      const entry = justWritten.get(name) ?? previous?.get(name);
      // A previous row stands only while its folder still holds the manifest it was made from.
      if (entry && (justWritten.has(name) || entryMatchesFolder(entry, await currentManifestIdentity(fs, path))))
        return entry;
      const described = await describeCheckpoint(path, name, { fs, verifyChecksums: false });
      return described.info.valid ? toIndexEntry(described) : null;
    },
  );
  await writeListingIndex(
    checkpointsDir,
    fs,
    entries.filter((e): e is IndexedCheckpoint => e !== null),
  );
}

/**
 * The entry of a checkpoint this process just committed, from what it wrote rather than by reading
 * it back: the same row `describeCheckpoint` gives (the state goes through the same JSON and schemas).
 */
export async function entryForCommitted(
  path: string,
  name: string,
  manifest: Manifest,
  content: Pick<CheckpointContent, 'optimizer' | 'scheduler' | 'trainerState'>,
  fs: CheckpointFs,
): Promise<IndexedCheckpoint> {
  const manifestIdentity = identityOf(await fs.lstat(join(path, MANIFEST_FILE)));
  const optimizer =
    content.optimizer && listed(manifest, OPTIMIZER_STATE_FILE)
      ? summariseOptimizer(
          parseOptimizerState(JSON.stringify(content.optimizer.state), join(path, OPTIMIZER_STATE_FILE)),
          manifest,
        )
      : null;
  const scheduler =
    content.scheduler && listed(manifest, SCHEDULER_FILE)
      ? parseSchedulerState(JSON.stringify(content.scheduler), join(path, SCHEDULER_FILE))
      : null;
  const trainer = listed(manifest, TRAINER_STATE_FILE)
    ? { loss: content.trainerState.loss, bestCheckpoint: content.trainerState.best_checkpoint }
    : null;
  return {
    name,
    step: manifest.step,
    mtimeMs: manifestIdentity.mtimeMs,
    saveCounter: manifest.save_counter,
    optimizer,
    scheduler,
    trainer,
    manifest: manifestIdentity,
  };
}
