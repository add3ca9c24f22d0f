/**
 * The file-system calls the checkpoint engine makes, injectable so tests can fail any of them
 * (ENOSPC, EACCES, EROFS) or simulate a crash at a chosen stage. Defaults to node:fs/promises.
 */
import { constants, type Stats } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { errorCode } from './errors';

export type CheckpointFs = Pick<
  typeof nodeFs,
  'open' | 'readFile' | 'writeFile' | 'rename' | 'rm' | 'readdir' | 'stat' | 'lstat' | 'mkdir' | 'unlink'
>;

export const defaultFs: CheckpointFs = nodeFs;

/** fsync a folder so a rename inside it survives power loss. Windows cannot open folders: skipped there. */
export async function fsyncDir(fs: CheckpointFs, dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `mkdir -p` one folder at a time. Node's recursive mkdir spins for ever where a file system answers
 * ENOENT for a folder whose parent exists (`/proc/anything`); here that ENOENT is the error.
 */
export async function makeFolders(fs: CheckpointFs, dir: string): Promise<void> {
  const missing: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const found = await fs.stat(at).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
      return null;
    });
    if (found) {
      // As mkdir says it: the folder itself is a file (EEXIST), or a folder above it is (ENOTDIR).
      if (!found.isDirectory())
        throw Object.assign(new Error(`${at}: not a folder`), { code: missing.length === 0 ? 'EEXIST' : 'ENOTDIR' });
      break;
    }
    missing.push(at);
    if (dirname(at) === at) break;
  }
  for (const folder of missing.reverse()) {
    await fs.mkdir(folder).catch(async (error: unknown) => {
      // Made meanwhile by another process is fine; a file of that name is not.
      const made = errorCode(error) === 'EEXIST' && (await fs.stat(folder).catch(() => null))?.isDirectory();
      if (!made) throw error;
    });
  }
}

export async function pathExists(fs: CheckpointFs, path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** What a non-regular file is, for messages. */
export function fileKind(
  stat: Pick<
    Stats,
    'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice'
  >,
): string {
  if (stat.isFile()) return 'a regular file';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

export function notRegularFileProblem(path: string, kind: string): string {
  return `${path}: is ${kind}, not a regular file (a checkpoint holds only regular files)`;
}

/**
 * Non-blocking so a FIFO opens at once instead of waiting for a writer; no-follow so a symbolic
 * link (to /dev/zero, say) is refused rather than read for ever. Both are no-ops for regular files.
 */
const READ_REGULAR_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** Opens `path` for reading if it is a regular file (checked on the open descriptor), else throws naming what it is. */
export async function openRegularFile(fs: CheckpointFs, path: string): Promise<nodeFs.FileHandle> {
  let handle: nodeFs.FileHandle;
  try {
    handle = await fs.open(path, READ_REGULAR_FLAGS);
  } catch (error) {
    if (errorCode(error) === 'ELOOP') throw new Error(notRegularFileProblem(path, 'a symbolic link'));
    throw error;
  }
  const stat = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (!stat.isFile()) {
    await handle.close();
    throw new Error(notRegularFileProblem(path, fileKind(stat)));
  }
  return handle;
}
