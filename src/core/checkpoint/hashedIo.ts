/**
 * File writes and reads that compute the checksum while the bytes move: the checksum runs on the
 * main thread while libuv's pool does the I/O, so verification costs little beyond the I/O itself.
 */
import { openRegularFile, type CheckpointFs } from './fs';
import { CHECKSUM_ALGORITHM, createChecksum } from './checksum';
import { ReadLimitError } from '../limits/readLimits';

export { CHECKSUM_ALGORITHM };
/** Reads are chunked so hashing chunk i overlaps reading chunk i+1. */
const READ_CHUNK_BYTES = 8 << 20;
/** Stay well under IOV_MAX for writev. */
const WRITEV_BATCH = 256;
/**
 * Bytes checksummed between two turns of the event loop (about 3.5 ms of CRC-32): the fsync chained
 * to a finished write is issued within that, and a training loop sharing the thread waits no longer.
 */
export const HASH_SLICE_BYTES = 8 << 20;

type Handle = Awaited<ReturnType<CheckpointFs['open']>>;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Writes `chunks` to a new file (truncating), fsyncs and closes it; returns its size and checksum.
 * The write, then the fsync, run in libuv's pool while this thread checksums the same bytes in
 * slices, yielding between slices so the fsync is issued as soon as the write returns rather than
 * after the whole checksum (which takes longer than the write). Several files may be written at once.
 */
export async function writeHashedSynced(
  fs: CheckpointFs,
  path: string,
  chunks: readonly Uint8Array[],
): Promise<{ size: number; checksum: string }> {
  const handle = await fs.open(path, 'w');
  let failed = false;
  const flushed = writeAll(handle, chunks).then(async (size) => {
    await handle.sync();
    return size;
  });
  flushed.catch(() => (failed = true));
  let result: { size: number; checksum: string };
  try {
    // Stops early once the I/O failed; the partial checksum is then never used (`flushed` rejects).
    const checksum = await checksumInSlices(chunks, () => failed);
    result = { size: await flushed, checksum };
  } catch (error) {
    // Never close under a write or fsync still in flight; report the first error, not close's.
    await flushed.catch(() => undefined);
    await handle.close().catch(() => undefined);
    throw error;
  }
  await handle.close();
  return result;
}

/** writev in batches; returns the bytes written. */
async function writeAll(handle: Handle, chunks: readonly Uint8Array[]): Promise<number> {
  let size = 0;
  for (let i = 0; i < chunks.length; i += WRITEV_BATCH) {
    const batch = chunks.slice(i, i + WRITEV_BATCH);
    const batchBytes = batch.reduce((n, c) => n + c.byteLength, 0);
    const { bytesWritten } = await handle.writev(batch, size);
    if (bytesWritten !== batchBytes) await writeRemainder(handle, batch, bytesWritten, size);
    size += batchBytes;
  }
  return size;
}

async function checksumInSlices(chunks: readonly Uint8Array[], stop: () => boolean): Promise<string> {
  const hash = createChecksum(CHECKSUM_ALGORITHM);
  let sinceYield = 0;
  for (const chunk of chunks) {
    for (let offset = 0; offset < chunk.byteLength; offset += HASH_SLICE_BYTES) {
      const slice = chunk.subarray(offset, offset + HASH_SLICE_BYTES);
      hash.update(slice);
      sinceYield += slice.byteLength;
      if (sinceYield >= HASH_SLICE_BYTES) {
        sinceYield = 0;
        await nextTurn();
        if (stop()) return '';
      }
    }
  }
  return hash.digest();
}

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

/**
 * Reads a whole regular file (anything else is refused before a byte is read), computing its
 * `algorithm` checksum as it arrives (null: no checksum). A file larger than `maxBytes` is refused
 * before anything is allocated.
 */
export async function readHashed(
  fs: CheckpointFs,
  path: string,
  algorithm: string | null,
  maxBytes: number = Number.POSITIVE_INFINITY,
): Promise<{ bytes: Buffer; checksum: string | null }> {
  const handle = await openRegularFile(fs, path);
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new ReadLimitError(path, 'size', maxBytes, `is ${size} bytes`);
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

/** Streams a regular file through the hash without keeping it (validation of files not loaded). */
export async function hashFile(
  fs: CheckpointFs,
  path: string,
  algorithm: string = CHECKSUM_ALGORITHM,
): Promise<string> {
  const handle = await openRegularFile(fs, path);
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

/** A small file's text, read only if it is a regular file of at most `maxBytes` (state files, metadata). */
export async function readRegularText(fs: CheckpointFs, path: string, maxBytes?: number): Promise<string> {
  return (await readHashed(fs, path, null, maxBytes)).bytes.toString('utf8');
}
