/**
 * Is a folder a committed, intact checkpoint? Quick validation reads the manifest and stats every
 * file it lists; `verifyChecksums` also hashes every file (done before resuming).
 */
import { join } from 'node:path';
import { errorCode, errorMessage } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
import { SUPPORTED_CHECKSUMS } from './checksum';
import { hashFile } from './hashedIo';
import { HF_TRAINER_STATE, isHfOnlyFile } from '../hf/layout';
import { READ_LIMITS, ReadLimitError } from '../limits/readLimits';
import { MANIFEST_FILE, MODEL_FILE } from './layout';
import { parseManifest } from './manifest';
import type { Manifest } from './types';

export interface ValidationResult {
  valid: boolean;
  /** Each names the file and what is wrong. */
  problems: string[];
  manifest: Manifest | null;
  /** Modification time of the manifest (the file written last at commit), else of the folder; 0 if missing. */
  mtimeMs: number;
}

export interface ValidateOptions {
  verifyChecksums?: boolean;
  fs?: CheckpointFs;
}

export async function validateCheckpoint(path: string, options: ValidateOptions = {}): Promise<ValidationResult> {
  const fs = options.fs ?? defaultFs;
  const invalid = (problem: string, mtimeMs = 0): ValidationResult => ({ valid: false, problems: [problem], manifest: null, mtimeMs });

  let folderMtime: number;
  try {
    const stat = await fs.stat(path);
    if (!stat.isDirectory()) return invalid(`${path}: not a folder`);
    folderMtime = stat.mtimeMs;
  } catch (error) {
    return invalid(errorCode(error) === 'ENOENT' ? `${path}: does not exist` : `${path}: ${errorMessage(error)}`);
  }

  const manifestPath = join(path, MANIFEST_FILE);
  let manifest: Manifest;
  let mtimeMs: number;
  try {
    const info = await fs.stat(manifestPath);
    mtimeMs = info.mtimeMs;
    if (!info.isFile()) return invalid(`${manifestPath}: not a regular file; a checkpoint's manifest is a plain JSON file`, folderMtime);
    if (info.size > READ_LIMITS.manifestBytes) {
      return invalid(new ReadLimitError(manifestPath, 'size', READ_LIMITS.manifestBytes, `is ${info.size} bytes`).message, folderMtime);
    }
    manifest = parseManifest(await fs.readFile(manifestPath, 'utf8'), manifestPath);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') return invalid(errorMessage(error), folderMtime);
    const names = await fs.readdir(path).catch(() => [] as string[]);
    if (names.some(isHfOnlyFile)) {
      return invalid(`${path}: a Hugging Face Trainer checkpoint (${HF_TRAINER_STATE}, no ${MANIFEST_FILE}), not one this trainer wrote; list its output folder to read it as such`, folderMtime);
    }
    return invalid(`${manifestPath}: missing (${names.length === 0 ? 'the folder is empty' : 'the save never completed'})`, folderMtime);
  }

  const problems: string[] = [];
  if (!manifest.files.some((f) => f.path === MODEL_FILE)) problems.push(`${manifestPath}: lists no ${MODEL_FILE} (no weights)`);
  const algorithm = manifest.checksum_algorithm;
  const canVerify = SUPPORTED_CHECKSUMS.includes(algorithm);
  if (options.verifyChecksums && !canVerify) {
    problems.push(`${manifestPath}: checksum algorithm "${algorithm}" is not supported (${SUPPORTED_CHECKSUMS.join(', ')})`);
  }
  await Promise.all(
    manifest.files.map(async (file) => {
      const filePath = join(path, file.path);
      try {
        const { size } = await fs.stat(filePath);
        if (size !== file.size) {
          problems.push(`${filePath}: size ${size} bytes, manifest says ${file.size} (truncated or overwritten)`);
          return;
        }
        if (options.verifyChecksums && canVerify) {
          const actual = await hashFile(fs, filePath, algorithm);
          if (actual !== file.checksum) problems.push(`${filePath}: ${algorithm} checksum mismatch (file is corrupt)`);
        }
      } catch (error) {
        problems.push(errorCode(error) === 'ENOENT' ? `${filePath}: missing (listed in the manifest)` : `${filePath}: ${errorMessage(error)}`);
      }
    }),
  );
  problems.sort();
  return { valid: problems.length === 0, problems, manifest, mtimeMs };
}
