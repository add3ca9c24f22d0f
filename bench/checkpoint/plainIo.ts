/**
 * The plain-fs references of the checkpoint bench: what a fair writer or reader of the same files
 * does, nothing more (no checksum, no temporary folder, no rename) and nothing less (every file
 * written with writev and fsynced, then the folder fsynced so the new names are durable).
 */
import { mkdir, open, readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface PlainFile {
  name: string;
  chunks: Uint8Array[];
}

/** Stay under IOV_MAX, as the engine does. */
const WRITEV_BATCH = 256;

async function writeAndSync(dir: string, file: PlainFile): Promise<void> {
  const handle = await open(join(dir, file.name), 'w');
  try {
    for (let i = 0; i < file.chunks.length; i += WRITEV_BATCH)
      await handle.writev(file.chunks.slice(i, i + WRITEV_BATCH));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFolder(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** One file after another: open, writev, fsync, close; then fsync the folder. */
export async function plainWriteFsync(dir: string, files: PlainFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const file of files) await writeAndSync(dir, file);
  await syncFolder(dir);
}

/** The same work with every file in flight at once (their writes and fsyncs overlap in libuv's pool). */
export async function plainWriteFsyncParallel(dir: string, files: PlainFile[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all(files.map((file) => writeAndSync(dir, file)));
  await syncFolder(dir);
}

export async function plainRead(dir: string, names: string[]): Promise<number> {
  let bytes = 0;
  for (const n of names) bytes += (await readFile(join(dir, n))).length;
  return bytes;
}

/** readdir + stat of every entry under `root`; returns how many. */
export async function statEverything(root: string): Promise<number> {
  let n = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    await Promise.all(
      entries.map(async (e) => {
        const p = join(dir, e.name);
        await stat(p);
        n++;
        if (e.isDirectory()) await walk(p);
      }),
    );
  };
  await walk(root);
  return n;
}
