/**
 * Is a folder a committed, intact checkpoint? Quick validation reads the manifest and stats every
 * file it lists; `verifyChecksums` also hashes every file (done before resuming). Only regular
 * files count (a FIFO or a link to /dev/zero would otherwise be read for ever). A failure of the
 * reader itself (EMFILE, EIO ...) is thrown as a ReaderIoError, never reported as a problem of the
 * checkpoint.
 */
import { join } from 'node:path';
import { mapLimited } from './concurrency';
import { errorCode, errorMessage, rethrowReaderFailure } from './errors';
import { defaultFs, fileKind, notRegularFileProblem, type CheckpointFs } from './fs';
import { SUPPORTED_CHECKSUMS } from './checksum';
import { hashFile } from './hashedIo';
import { HF_TRAINER_STATE, isHfOnlyFile } from '../hf/layout';
import { READ_LIMITS, ReadLimitError } from '../limits/readLimits';
import { MANIFEST_FILE, MODEL_FILE } from './layout';
import { parseManifest } from './manifest';
import type { Manifest } from './types';

/** Files of one checkpoint checked at once. */
const FILE_CHECK_CONCURRENCY = 4;

export interface ValidationResult {
  valid: boolean;
  /** Each names the file and what is wrong. */
  problems: string[];
  manifest: Manifest | null;
  /** Modification time of the manifest (the file written last at commit), else of the folder; 0 if missing. */
  mtimeMs: number;
  /** Which manifest file this was (null without one): the listing index trusts a row only while its folder's manifest is still this one. */
  manifestIdentity: ManifestIdentity | null;
}

export interface ManifestIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

export function identityOf(stat: ManifestIdentity): ManifestIdentity {
  return { ino: stat.ino, size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs };
}

export interface ValidateOptions {
  verifyChecksums?: boolean;
  fs?: CheckpointFs;
  /** Files this use does not read (e.g. optimizer state when a resume does not restore it): their absence or damage is no problem here. */
  notNeeded?: ReadonlySet<string>;
}

export async function validateCheckpoint(path: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  const fs = options.fs ?? defaultFs;
  const invalid = (problem: string, mtimeMs = 0): ValidationResult => ({
    valid: false,
    problems: [problem],
    manifest: null,
    mtimeMs,
    manifestIdentity: null,
  });

  let folderMtime: number;
  try {
    const stat = await fs.stat(path);
    if (!stat.isDirectory()) return invalid(`${path}: not a folder`);
    folderMtime = stat.mtimeMs;
  } catch (error) {
    rethrowReaderFailure(error, path);
    return invalid(errorCode(error) === 'ENOENT' ? `${path}: does not exist` : `${path}: ${errorMessage(error)}`);
  }

  const manifestPath = join(path, MANIFEST_FILE);
  let manifest: Manifest;
  let mtimeMs: number;
  let manifestIdentity: ManifestIdentity;
  try {
    const stat = await fs.lstat(manifestPath);
    if (!stat.isFile()) return invalid(notRegularFileProblem(manifestPath, fileKind(stat)), folderMtime);
    if (stat.size > READ_LIMITS.manifestBytes) {
      return invalid(
        new ReadLimitError(manifestPath, 'size', READ_LIMITS.manifestBytes, `is ${stat.size} bytes`).message,
        folderMtime,
      );
    }
    mtimeMs = stat.mtimeMs;
    manifestIdentity = identityOf(stat);
    manifest = parseManifest(await fs.readFile(manifestPath, 'utf8'), manifestPath);
  } catch (error) {
    rethrowReaderFailure(error, manifestPath);
    if (errorCode(error) !== 'ENOENT') return invalid(errorMessage(error), folderMtime);
    const names = await fs.readdir(path).catch((readError: unknown) => {
      rethrowReaderFailure(readError, path);
      return [] as string[];
    });
    if (names.some(isHfOnlyFile)) {
      return invalid(
        `${path}: a Hugging Face Trainer checkpoint (${HF_TRAINER_STATE}, no ${MANIFEST_FILE}), not one this trainer wrote; list its output folder to read it as such`,
        folderMtime,
      );
    }
    return invalid(
      `${manifestPath}: missing (${names.length === 0 ? 'the folder is empty' : 'the save never completed'})`,
      folderMtime,
    );
  }

  const problems: string[] = [];
  if (!manifest.files.some((f) => f.path === MODEL_FILE))
    problems.push(`${manifestPath}: lists no ${MODEL_FILE} (no weights)`);
  const algorithm = manifest.checksum_algorithm;
  const canVerify = SUPPORTED_CHECKSUMS.includes(algorithm);
  if (options.verifyChecksums && !canVerify) {
    problems.push(
      `${manifestPath}: checksum algorithm "${algorithm}" is not supported (${SUPPORTED_CHECKSUMS.join(', ')})`,
    );
  }
  const needed = manifest.files.filter((f) => !options.notNeeded?.has(f.path));
  // A few files at a time: each check holds a descriptor and, when hashing, its read buffers.
  await mapLimited(needed, FILE_CHECK_CONCURRENCY, async (file) => {
    const filePath = join(path, file.path);
    try {
      const stat = await fs.lstat(filePath);
      if (!stat.isFile()) {
        problems.push(notRegularFileProblem(filePath, fileKind(stat)));
        return;
      }
      const size = stat.size;
      if (size !== file.size) {
        problems.push(`${filePath}: size ${size} bytes, manifest says ${file.size} (truncated or overwritten)`);
        return;
      }
      if (options.verifyChecksums && canVerify) {
        const actual = await hashFile(fs, filePath, algorithm);
        if (actual !== file.checksum) problems.push(`${filePath}: ${algorithm} checksum mismatch (file is corrupt)`);
      }
    } catch (error) {
      rethrowReaderFailure(error, filePath);
      problems.push(
        errorCode(error) === 'ENOENT'
          ? `${filePath}: missing (listed in the manifest)`
          : `${filePath}: ${errorMessage(error)}`,
      );
    }
  });
  problems.sort();
  return { valid: problems.length === 0, problems, manifest, mtimeMs, manifestIdentity };
}
