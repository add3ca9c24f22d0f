/**
 * Atomic commit of one checkpoint folder: write every file into a temporary folder beside its final
 * place, fsync them, write the manifest last, fsync the folder, rename into place, fsync the parent.
 * A crash at any moment leaves the complete new checkpoint or none (temporary folders are never
 * candidates; `cleanupLeftovers` removes them at the next save).
 */
import { dirname, join } from 'node:path';
import { abandonedBranchDir } from './abandonedBranch';
import { errorCode, errorMessage } from './errors';
import { fsyncDir, pathExists, type CheckpointFs } from './fs';
import { CHECKSUM_ALGORITHM, writeHashedSynced } from './hashedIo';
import { MANIFEST_FILE, leftoverKind, ownTempName, replacedName } from './layout';
import type { Manifest, ManifestFile } from './types';

export interface FileToWrite {
  name: string;
  chunks: Uint8Array[];
}

/** Points where a test may simulate a crash or failure (throw from the hook). */
export type CommitStage = 'files-written' | 'manifest-written' | 'renamed';

export interface CommitRequest {
  checkpointsDir: string;
  name: string;
  step: number;
  saveCounter: number;
  files: FileToWrite[];
  fs: CheckpointFs;
  onStage?: (stage: CommitStage) => void | Promise<void>;
  /** The run folder: a folder of the same name that this save replaces is kept in its abandoned branches (else removed). */
  runDir?: string;
}

export interface CommitResult {
  path: string;
  bytes: number;
  manifest: Manifest;
  /** Where the folder of the same name that this save replaced went (null: there was none, or it could not be kept). */
  keptAside: string | null;
}

export async function commitCheckpoint(request: CommitRequest): Promise<CommitResult> {
  const { fs, checkpointsDir, name } = request;
  await fs.mkdir(checkpointsDir, { recursive: true });
  const temp = join(checkpointsDir, ownTempName(`${name}-${process.pid}-${Date.now()}`));
  const finalPath = join(checkpointsDir, name);
  const replaced = join(checkpointsDir, replacedName(name));
  let movedAside = false;
  try {
    await fs.mkdir(temp);
    // All files at once: their writes and fsyncs overlap in libuv's pool while the main thread checksums.
    // allSettled: never leave a write running (its error unobserved) when another one failed.
    const settled = await Promise.allSettled(
      request.files.map(async (file): Promise<ManifestFile> => {
        const written = await writeHashedSynced(fs, join(temp, file.name), file.chunks);
        return { path: file.name, size: written.size, checksum: written.checksum };
      }),
    );
    const entries = settled.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
    await request.onStage?.('files-written');

    const manifest: Manifest = {
      format: 'training-runs-checkpoint',
      version: 1,
      step: request.step,
      save_counter: request.saveCounter,
      created: new Date().toISOString(),
      checksum_algorithm: CHECKSUM_ALGORITHM,
      files: entries,
    };
    await writeHashedSynced(fs, join(temp, MANIFEST_FILE), [Buffer.from(JSON.stringify(manifest, null, 2))]);
    await fsyncDir(fs, temp);
    await request.onStage?.('manifest-written');

    if (await pathExists(fs, finalPath)) {
      // A folder cannot be renamed over a non-empty one: move the old aside, restored by cleanup if we crash.
      await fs.rm(replaced, { recursive: true, force: true });
      await fs.rename(finalPath, replaced);
      movedAside = true;
    }
    await fs.rename(temp, finalPath);
    await fsyncDir(fs, checkpointsDir);
    await request.onStage?.('renamed');
    const keptAside = movedAside ? await keepReplaced(fs, replaced, request.runDir, name) : null;
    const bytes = entries.reduce((n, f) => n + f.size, 0);
    return { path: finalPath, bytes, manifest, keptAside };
  } catch (error) {
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    if (movedAside && !(await pathExists(fs, finalPath))) await fs.rename(replaced, finalPath).catch(() => undefined);
    throw error;
  }
}

/**
 * A save that replaced a folder of its name (a copy whose times made an older checkpoint look newest,
 * a resume from an older one on the command line, a damaged newest one) keeps the replaced folder
 * where abandoned branches go: nothing already saved is lost. Removed only if it cannot be moved.
 */
async function keepReplaced(
  fs: CheckpointFs,
  replaced: string,
  runDir: string | undefined,
  name: string,
): Promise<string | null> {
  if (runDir === undefined) {
    await fs.rm(replaced, { recursive: true, force: true });
    return null;
  }
  const dest = join(abandonedBranchDir(runDir), name);
  try {
    await fs.mkdir(dirname(dest), { recursive: true });
    await fs.rename(replaced, dest);
    return dest;
  } catch {
    await fs.rm(replaced, { recursive: true, force: true });
    return null;
  }
}

/**
 * Removes temporary folders of interrupted saves and puts back a folder moved aside by a save that
 * crashed mid-replace: only names this program made (layout.ts marks them), never a user's own
 * `.tmp-*` folder. Returns what it did or could not do, for warnings: a leftover that cannot be
 * removed (unreadable, permissions) never fails a save.
 */
export async function cleanupLeftovers(checkpointsDir: string, fs: CheckpointFs): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(checkpointsDir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw error;
  }
  const actions: string[] = [];
  for (const entry of names) {
    const kind = leftoverKind(entry);
    if (!kind) continue;
    const path = join(checkpointsDir, entry);
    try {
      if ('remove' in kind) {
        await fs.rm(path, { recursive: true, force: true });
        actions.push(`removed ${path} (left by an interrupted save)`);
        continue;
      }
      const original = join(checkpointsDir, kind.restoreAs);
      if (await pathExists(fs, original)) {
        await fs.rm(path, { recursive: true, force: true });
      } else {
        await fs.rename(path, original);
        actions.push(`restored ${original} (a save replacing it was interrupted)`);
      }
    } catch (error) {
      actions.push(`could not clean up ${path}: ${errorMessage(error)} (left in place; remove it by hand)`);
    }
  }
  return actions;
}
