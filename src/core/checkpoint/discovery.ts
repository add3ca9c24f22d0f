/**
 * Finding checkpoints: every `checkpoint-*` folder, validated, ordered newest first by the
 * modification time of its manifest (the file written last at commit), not by the step in its name.
 * Ties go to the higher save counter, then the higher step, then the name (descending).
 */
import { join } from 'node:path';
import { CHECKPOINT_READ_CONCURRENCY, mapLimited, retryTransient } from './concurrency';
import { rethrowReaderFailure } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
import { CHECKPOINTS_DIR, CHECKPOINT_PREFIX, stepFromName } from './layout';
import type { Manifest } from './types';
import { validateCheckpoint, type ManifestIdentity, type ValidationResult } from './validate';

export interface DiscoveredCheckpoint {
  path: string;
  name: string;
  step: number | null;
  mtimeMs: number;
  valid: boolean;
  problems: string[];
  manifest: Manifest | null;
  /** From the manifest; -1 when unknown (invalid). */
  saveCounter: number;
  manifestIdentity: ManifestIdentity | null;
}

export interface DiscoverOptions {
  verifyChecksums?: boolean;
  fs?: CheckpointFs;
}

/** `dir` may be a run's output folder (holding `checkpoints/`) or the `checkpoints/` folder itself. */
export async function resolveCheckpointsDir(dir: string, fs: CheckpointFs = defaultFs): Promise<string> {
  const inner = join(dir, CHECKPOINTS_DIR);
  try {
    if ((await fs.stat(inner)).isDirectory()) return inner;
  } catch {
    // not a run folder: treat `dir` as the checkpoints folder
  }
  return dir;
}

type Ordered = Pick<DiscoveredCheckpoint, 'mtimeMs' | 'saveCounter' | 'step' | 'name'>;

export function compareNewestFirst(a: Ordered, b: Ordered): number {
  return (
    b.mtimeMs - a.mtimeMs ||
    b.saveCounter - a.saveCounter ||
    (b.step ?? -1) - (a.step ?? -1) ||
    (a.name < b.name ? 1 : a.name > b.name ? -1 : 0)
  );
}

/** All checkpoint folders under `dir` (valid and invalid), newest first. Missing folder → []. */
export async function discoverCheckpoints(dir: string, options: DiscoverOptions = {}): Promise<DiscoveredCheckpoint[]> {
  const fs = options.fs ?? defaultFs;
  const checkpointsDir = await resolveCheckpointsDir(dir, fs);
  const names = await checkpointFolderNames(checkpointsDir, fs);
  const verifyChecksums = options.verifyChecksums ?? false;
  const found = await mapLimited(names, CHECKPOINT_READ_CONCURRENCY, (name) =>
    discoverOne(join(checkpointsDir, name), name, { fs, verifyChecksums }),
  );
  return found.sort(compareNewestFirst);
}

/**
 * One entry of a checkpoints folder, validated (retried while the reader lacks resources; a
 * ReaderIoError after that). A symbolic link is listed as invalid, saying why, rather than followed:
 * retention would delete or keep a folder that lives elsewhere.
 */
export async function discoverOne(
  path: string,
  name: string,
  options: { fs: CheckpointFs; verifyChecksums: boolean },
): Promise<DiscoveredCheckpoint> {
  const result =
    (await symbolicLink(path, options.fs)) ?? (await retryTransient(() => validateCheckpoint(path, options)));
  return {
    path,
    name,
    step: result.manifest?.step ?? stepFromName(name),
    mtimeMs: result.mtimeMs,
    valid: result.valid,
    problems: result.problems,
    manifest: result.manifest,
    saveCounter: result.manifest?.save_counter ?? -1,
    manifestIdentity: result.manifestIdentity,
  };
}

/** An invalid result for a symbolic link (ordered by the link's own time, so resume reports it), or null for anything else. */
async function symbolicLink(path: string, fs: CheckpointFs): Promise<ValidationResult | null> {
  let stat;
  try {
    stat = await fs.lstat(path);
  } catch (error) {
    rethrowReaderFailure(error, path);
    return null; // validation says what is wrong
  }
  if (!stat.isSymbolicLink()) return null;
  const problem = `${path}: is a symbolic link, not a checkpoint folder: not used for resume or retention (move the folder here, or name it in resume_from_checkpoint)`;
  return { valid: false, problems: [problem], manifest: null, mtimeMs: stat.mtimeMs, manifestIdentity: null };
}

/** Names of the `checkpoint-*` folders (and links named so, listed as invalid) in a checkpoints folder; [] when it cannot be read. */
export async function checkpointFolderNames(checkpointsDir: string, fs: CheckpointFs): Promise<string[]> {
  return (await readCheckpointFolderNames(checkpointsDir, fs)) ?? [];
}

/** As checkpointFolderNames, but null when the folder cannot be read (missing, not a folder). */
export async function readCheckpointFolderNames(checkpointsDir: string, fs: CheckpointFs): Promise<string[] | null> {
  try {
    const entries = await fs.readdir(checkpointsDir, { withFileTypes: true });
    return entries
      .filter((e) => (e.isDirectory() || e.isSymbolicLink()) && e.name.startsWith(CHECKPOINT_PREFIX))
      .map((e) => e.name);
  } catch (error) {
    rethrowReaderFailure(error, checkpointsDir);
    return null;
  }
}

/** The newest valid checkpoint, or null. */
export function latestValid(checkpoints: DiscoveredCheckpoint[]): DiscoveredCheckpoint | null {
  return checkpoints.find((c) => c.valid) ?? null;
}
