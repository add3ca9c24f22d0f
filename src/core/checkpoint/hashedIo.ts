/**
 * File writes and reads that compute the checksum while the bytes move: the checksum runs on the
 * main thread while libuv's pool does the I/O, so verification costs little beyond the I/O itself.
 */
import type { CheckpointFs } from './fs';
import { CHECKSUM_ALGORITHM, createChecksum } from './checksum';

export { CHECKSUM_ALGORITHM };
/** Reads are chunked so hashing chunk i overlaps reading chunk i+1. */
const READ_CHUNK_BYTES = 8 << 20;
/** Stay well under IOV_MAX for writev. */
const WRITEV_BATCH = 256;

export interface WrittenFile {
  size: number;
  checksum: string;
  /** fsync and close; started by the caller so several files can flush in parallel. */
  syncAndClose(): Promise<void>;
}

/** Writes `chunks` to a new file (truncating), hashing them meanwhile. The file is not yet flushed. */
export async function writeHashed(fs: CheckpointFs, path: string, chunks: Uint8Array[]): Promise<WrittenFile> {
  const handle = await fs.open(path, 'w');
  try {
    const hash = createChecksum(CHECKSUM_ALGORITHM);
    let size = 0;
    for (let i = 0; i < chunks.length; i += WRITEV_BATCH) {
      const batch = chunks.slice(i, i + WRITEV_BATCH);
      const batchBytes = batch.reduce((n, c) => n + c.byteLength, 0);
      const writing = handle.writev(batch, size);
      for (const chunk of batch) hash.update(chunk);
      const { bytesWritten } = await writing;
      if (bytesWritten !== batchBytes) await writeRemainder(handle, batch, bytesWritten, size);
      size += batchBytes;
    }
    return {
      size,
      checksum: hash.digest(),
      syncAndClose: async () => {
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      },
    };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

type Handle = Awaited<ReturnType<CheckpointFs['open']>>;

/** A short writev (rare: signals, quotas): write what is left one buffer at a time. */
async function writeRemainder(handle: Handle, batch: Uint8Array[], written: number, start: number): Promise<void> {
  let skip = written;
  let position = start + written;
  for (const chunk of batch) {
    if (skip >= chunk.byteLength) {
      skip -= chunk.byteLength;
      continue;
    }
    let rest = chunk.subarray(skip);
    skip = 0;
    while (rest.byteLength > 0) {
      const { bytesWritten } = await handle.write(rest, 0, rest.byteLength, position);
      if (bytesWritten === 0) throw new Error('write made no progress');
      rest = rest.subarray(bytesWritten);
      position += bytesWritten;
    }
  }
}

/** Writes a small file, flushes and closes it; returns size and checksum. */
export async function writeHashedSynced(fs: CheckpointFs, path: string, bytes: Uint8Array): Promise<{ size: number; checksum: string }> {
  const written = await writeHashed(fs, path, [bytes]);
  await written.syncAndClose();
  return { size: written.size, checksum: written.checksum };
}

/** Reads a whole file, computing its `algorithm` checksum as it arrives (null: no checksum). */
export async function readHashed(fs: CheckpointFs, path: string, algorithm: string | null): Promise<{ bytes: Buffer; checksum: string | null }> {
  const handle = await fs.open(path, 'r');
  try {
    const { size } = await handle.stat();
    // allocUnsafe: the bytes are overwritten by the read, zero-filling first would cost a second pass.
    const bytes = Buffer.allocUnsafe(size);
    const hasher = algorithm ? createChecksum(algorithm) : null;
    let offset = 0;
    let pending = size > 0 ? handle.read(bytes, 0, Math.min(READ_CHUNK_BYTES, size), 0) : null;
    while (pending) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) throw new Error(`${path}: file shrank while reading (${offset} of ${size} bytes)`);
      const chunkStart = offset;
      offset += bytesRead;
      pending = offset < size ? handle.read(bytes, offset, Math.min(READ_CHUNK_BYTES, size - offset), offset) : null;
      hasher?.update(bytes.subarray(chunkStart, offset));
    }
    return { bytes, checksum: hasher ? hasher.digest() : null };
  } finally {
    await handle.close();
  }
}

/** Streams a file through the hash without keeping it (validation of files not loaded). */
export async function hashFile(fs: CheckpointFs, path: string, algorithm: string = CHECKSUM_ALGORITHM): Promise<string> {
  const handle = await fs.open(path, 'r');
  try {
    const hasher = createChecksum(algorithm);
    const buffers = [Buffer.allocUnsafe(READ_CHUNK_BYTES), Buffer.allocUnsafe(READ_CHUNK_BYTES)] as const;
    let position = 0;
    let which = 0;
    let pending = handle.read(buffers[0], 0, READ_CHUNK_BYTES, 0);
    for (;;) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      const current = buffers[which]!;
      position += bytesRead;
      which = 1 - which;
      pending = handle.read(buffers[which]!, 0, READ_CHUNK_BYTES, position);
      hasher.update(current.subarray(0, bytesRead));
    }
    return hasher.digest();
  } finally {
    await handle.close();
  }
}
