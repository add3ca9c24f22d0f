/**
 * Just enough of the zip format to pull one small entry (a `.pt` file's `data.pkl`, or a scalar
 * tensor's storage) out of an archive by random access: the end-of-central-directory record (and
 * its zip64 form), the central directory, and one local header.
 *
 * Hand-written rather than a dependency: torch.save writes *stored* (uncompressed) entries, we read
 * a handful of small entries from archives that may be gigabytes (so no whole-file readers such as
 * fflate's unzipSync), and this is ~150 lines with no native code. Deflated entries, should another
 * writer produce them, go through node:zlib. If wider zip support is ever needed, `yauzl` is the
 * well-kept choice.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { READ_LIMITS, ReadLimitError } from '../limits/readLimits';

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
const STORED = 0;
const DEFLATED = 8;
const CENTRAL_ENTRY_MIN = 46;

export class ZipFormatError extends Error {
  override readonly name = 'ZipFormatError';
}

/** An open zip archive: list its entries, read one. Call close() when done. */
export class ZipArchive {
  private constructor(
    private readonly handle: FileHandle,
    readonly path: string,
    private readonly size: number,
    readonly entries: ZipEntry[],
  ) {}

  static async open(path: string): Promise<ZipArchive> {
    const handle = await open(path, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new ZipFormatError(`${path}: not a regular file; only regular files are read`);
      return new ZipArchive(handle, path, info.size, await readCentralDirectory(handle, path, info.size));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  find(predicate: (name: string) => boolean): ZipEntry | undefined {
    return this.entries.find((entry) => predicate(entry.name));
  }

  /**
   * The entry's uncompressed bytes; refuses entries larger than `maxBytes`. The declared sizes are
   * checked before anything is allocated (a stored entry's compressed size is its size; deflate
   * never grows data by more than a few bytes per block), and inflating stops at `maxBytes`.
   */
  async read(entry: ZipEntry, maxBytes: number): Promise<Buffer> {
    const field = `entry ${entry.name}`;
    if (entry.uncompressedSize > maxBytes) {
      throw new ZipFormatError(
        `${this.path}: ${field} is ${entry.uncompressedSize} bytes, more than the ${maxBytes} read here`,
      );
    }
    if (entry.method !== STORED && entry.method !== DEFLATED) {
      throw new ZipFormatError(
        `${this.path}: ${field} uses compression method ${entry.method}; only stored and deflate are read`,
      );
    }
    const maxCompressed = entry.method === STORED ? maxBytes : maxBytes + (maxBytes >> 10) + 1024;
    if (entry.compressedSize > maxCompressed) {
      throw new ReadLimitError(
        this.path,
        `${field} compressed size`,
        maxCompressed,
        `is ${entry.compressedSize} bytes`,
      );
    }
    const local = await this.readAt(entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) {
      throw new ZipFormatError(`${this.path}: ${field} has no local header at offset ${entry.localHeaderOffset}`);
    }
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = await this.readAt(dataStart, entry.compressedSize);
    if (entry.method === STORED) return raw;
    try {
      return inflateRawSync(raw, { maxOutputLength: maxBytes });
    } catch (error) {
      throw new ZipFormatError(
        `${this.path}: ${field} does not inflate within ${maxBytes} bytes (${(error as Error).message})`,
      );
    }
  }

  private readAt(position: number, length: number): Promise<Buffer> {
    return readAt(this.handle, position, length, this.path, this.size);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/** `length` bytes at `position`; a range outside the `size`-byte file is refused before allocating. */
async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
  path: string,
  size: number,
): Promise<Buffer> {
  if (!Number.isSafeInteger(position) || position < 0 || position + length > size) {
    throw new ZipFormatError(
      `${path}: truncated or damaged (wants ${length} bytes at offset ${position} of a ${size}-byte file)`,
    );
  }
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length)
    throw new ZipFormatError(`${path}: truncated (wanted ${length} bytes at offset ${position}, got ${bytesRead})`);
  return buffer;
}

async function readCentralDirectory(handle: FileHandle, path: string, size: number): Promise<ZipEntry[]> {
  if (size < EOCD_MIN) throw new ZipFormatError(`${path}: ${size} bytes is too small to be a zip archive (truncated?)`);
  const tailLength = Math.min(size, EOCD_MIN + MAX_COMMENT);
  const tailStart = size - tailLength;
  const tail = await readAt(handle, tailStart, tailLength, path, size);
  let eocd = -1;
  for (let i = tail.length - EOCD_MIN; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    throw new ZipFormatError(`${path}: no zip end-of-central-directory record (truncated, or not a zip archive)`);

  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // zip64: a locator sits just before the classic record and points at the zip64 record.
    const locatorAt = tailStart + eocd - 20;
    const locator = await readAt(handle, locatorAt, 20, path, size);
    if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) throw new ZipFormatError(`${path}: zip64 locator missing`);
    const record = await readAt(handle, Number(locator.readBigUInt64LE(8)), 56, path, size);
    if (record.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw new ZipFormatError(`${path}: zip64 end record missing`);
    count = Number(record.readBigUInt64LE(32));
    cdSize = Number(record.readBigUInt64LE(40));
    cdOffset = Number(record.readBigUInt64LE(48));
  }
  if (cdSize > READ_LIMITS.zipCentralDirectoryBytes) {
    throw new ReadLimitError(
      path,
      'zip central directory size',
      READ_LIMITS.zipCentralDirectoryBytes,
      `is ${cdSize} bytes`,
    );
  }
  if (cdOffset + cdSize > size) {
    throw new ZipFormatError(
      `${path}: central directory (${cdSize} bytes at ${cdOffset}) lies outside the ${size}-byte file (truncated?)`,
    );
  }
  if (count > READ_LIMITS.zipEntries)
    throw new ReadLimitError(path, 'zip entry count', READ_LIMITS.zipEntries, `is ${count}`);
  if (count * CENTRAL_ENTRY_MIN > cdSize) {
    throw new ZipFormatError(`${path}: ${count} entries cannot fit a ${cdSize}-byte central directory (damaged)`);
  }
  const cd = await readAt(handle, cdOffset, cdSize, path, size);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_ENTRY_MIN > cd.length || cd.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError(`${path}: central directory entry ${i} is damaged`);
    }
    const nameLength = cd.readUInt16LE(at + 28);
    const extraLength = cd.readUInt16LE(at + 30);
    const commentLength = cd.readUInt16LE(at + 32);
    const entry: ZipEntry = {
      name: cd.toString('utf8', at + 46, at + 46 + nameLength),
      method: cd.readUInt16LE(at + 10),
      compressedSize: cd.readUInt32LE(at + 20),
      uncompressedSize: cd.readUInt32LE(at + 24),
      localHeaderOffset: cd.readUInt32LE(at + 42),
    };
    if (!applyZip64Extra(entry, cd.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength))) {
      throw new ZipFormatError(`${path}: central directory entry ${i} (${entry.name}) has a damaged zip64 extra field`);
    }
    entries.push(entry);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Sizes and offsets that overflow 32 bits live in the zip64 extra field (id 1), in this order. False when it is cut short. */
function applyZip64Extra(entry: ZipEntry, extra: Buffer): boolean {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 1) {
      let field = at + 4;
      const end = Math.min(extra.length, field + length);
      const next = (): number => {
        if (field + 8 > end) return Number.NaN;
        const value = Number(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return [entry.uncompressedSize, entry.compressedSize, entry.localHeaderOffset].every(Number.isSafeInteger);
    }
    at += 4 + length;
  }
  // No zip64 field: a size or offset of 0xffffffff then points at nothing.
  return ![entry.uncompressedSize, entry.compressedSize, entry.localHeaderOffset].includes(0xffffffff);
}
