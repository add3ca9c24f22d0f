/**
 * The file-system calls the checkpoint engine makes, injectable so tests can fail any of them
 * (ENOSPC, EACCES, EROFS) or simulate a crash at a chosen stage. Defaults to node:fs/promises.
 */
import * as nodeFs from 'node:fs/promises';

export type CheckpointFs = Pick<
  typeof nodeFs,
  'open' | 'readFile' | 'writeFile' | 'rename' | 'rm' | 'readdir' | 'stat' | 'mkdir' | 'unlink'
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

export async function pathExists(fs: CheckpointFs, path: string): Promise<boolean> {
  try {
    await fs.stat(path);
    return true;
  } catch {
    return false;
  }
}
