/**
 * TFRecord framing, as TensorFlow and TensorBoard write event files: each record is
 *   uint64 length | uint32 masked CRC32C of those 8 bytes | data[length] | uint32 masked CRC32C of data
 * (little-endian). Read from a byte offset so a file being written can be followed: a record that
 * is not complete yet ends the read without error, and the next read starts at it again.
 */
import { open } from 'node:fs/promises';
import CRC32C from 'crc-32/crc32c';
import { READ_LIMITS } from '../limits/readLimits';

const HEADER_BYTES = 12;
const FOOTER_BYTES = 4;

/** TensorFlow's masked CRC32C (a CRC of data that contains CRCs is weak, so it is rotated and offset). */
export function maskedCrc32c(data: Uint8Array): number {
  const crc = CRC32C.buf(data) >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export interface TfRecordRead {
  /** Where the next read continues: just after the last record taken (or skipped). */
  offset: number;
  /** Why reading stopped at `offset` for good (a record failed its CRC), or null. */
  corrupt: string | null;
  /** Records skipped unread because they exceed READ_LIMITS.tfRecordBytes (each named). */
  skipped: string[];
  /** The file is now shorter than `from`: it was replaced, and is read anew from 0. */
  shrunk: boolean;
}

export interface TfRecordOptions {
  maxRecordBytes?: number;
  chunkBytes?: number;
}

/**
 * Calls `onRecord` with each complete record's data from byte `from` on. The data is a view into a
 * buffer that is reused: copy what is kept. Stops at the first record whose length or data fails
 * its CRC (nothing after a corrupt record can be trusted to start a record), and before a record
 * that runs past the end of the file (still being written).
 */
export async function readTfRecords(
  path: string,
  from: number,
  onRecord: (data: Buffer, offset: number) => void,
  options: TfRecordOptions = {},
): Promise<TfRecordRead> {
  const maxRecordBytes = options.maxRecordBytes ?? READ_LIMITS.tfRecordBytes;
  const chunkBytes = options.chunkBytes ?? READ_LIMITS.tfEventsChunkBytes;
  const handle = await open(path, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`${path}: not a regular file; only regular files are read`);
    // Read up to the size seen now: records appended meanwhile wait for the next read.
    const size = info.size;
    const result: TfRecordRead = { offset: from, corrupt: null, skipped: [], shrunk: size < from };
    if (result.shrunk) return result;
    let chunk = Buffer.alloc(0);
    let chunkStart = from;
    /** Makes bytes [at, at + n) available in `chunk`; false when the file does not hold them yet. */
    const load = async (at: number, n: number): Promise<boolean> => {
      if (at >= chunkStart && at + n <= chunkStart + chunk.length) return true;
      if (at + n > size) return false;
      const length = Math.max(n, Math.min(chunkBytes, size - at));
      const buffer = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(buffer, 0, length, at);
      chunk = buffer.subarray(0, bytesRead);
      chunkStart = at;
      return bytesRead >= n;
    };
    let offset = from;
    while (offset < size) {
      if (!(await load(offset, HEADER_BYTES))) break;
      const at = offset - chunkStart;
      const lengthBytes = chunk.subarray(at, at + 8);
      if (maskedCrc32c(lengthBytes) !== chunk.readUInt32LE(at + 8)) {
        result.corrupt = `${path}: unreadable: record at byte ${offset}: its length fails its CRC; the file is corrupt from here on (${size - offset} bytes not read)`;
        break;
      }
      const length = lengthBytes.readBigUInt64LE(0);
      const end = BigInt(offset) + BigInt(HEADER_BYTES + FOOTER_BYTES) + length;
      if (end > BigInt(Number.MAX_SAFE_INTEGER)) {
        // Its CRC holds, but no file reaches that far: waiting for the rest would wait for ever, silently.
        result.corrupt = `${path}: unreadable: record at byte ${offset} declares ${length} bytes, more than a file can hold; the file is corrupt from here on (${size - offset} bytes not read)`;
        break;
      }
      if (end > BigInt(size)) break; // the last record, still being written
      const next = Number(end);
      if (length > BigInt(maxRecordBytes)) {
        // The length passed its CRC, so the next record starts after it: skip this one unread.
        result.skipped.push(
          `${path}: record at byte ${offset} is ${length} bytes (limit ${maxRecordBytes}); skipped unread`,
        );
        offset = next;
        continue;
      }
      const n = Number(length);
      if (!(await load(offset, HEADER_BYTES + n + FOOTER_BYTES))) break;
      const start = offset - chunkStart + HEADER_BYTES;
      const data = chunk.subarray(start, start + n);
      if (maskedCrc32c(data) !== chunk.readUInt32LE(start + n)) {
        result.corrupt = `${path}: unreadable: record at byte ${offset}: its data fails its CRC; the file is corrupt from here on (${size - offset} bytes not read)`;
        break;
      }
      onRecord(data, offset);
      offset = next;
    }
    result.offset = offset;
    return result;
  } finally {
    await handle.close();
  }
}
