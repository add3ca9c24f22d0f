/** Test-only zip and pickle builders: hand-made archives, honest or lying. */
import { deflateRawSync } from 'node:zlib';

/** A size or offset that zip64 moves into the entry's extra field (the classic field then holds 0xffffffff). */
export type Zip64EntryField = 'uncompressed' | 'compressed' | 'offset';
/** A field of the end record that zip64 moves into its own end record (the classic field then holds all ones). */
export type Zip64EndField = 'count' | 'size' | 'offset';

export interface ZipInput {
  name: string;
  data: Buffer;
  deflate?: boolean;
  /** Compression method written in both headers (default: 8 when deflated, else 0). */
  method?: number;
  /** Extra field of the local header (torch.save pads with one so that data is 64-byte aligned). */
  localExtra?: Buffer;
  /** Extra fields of the central record written before the zip64 one (if any). */
  centralExtra?: Buffer;
  /** The entry's comment in the central directory. */
  comment?: string;
  /** Sizes left 0 in the local header, flag bit 3 set and a data descriptor after the data (as zip streams write). */
  descriptor?: boolean;
  /** Fields stored in a zip64 extra field, in the order the format fixes. */
  zip64?: Zip64EntryField[];
}

export interface ZipOptions {
  /** End-record fields moved into a zip64 end record (with its locator). */
  zip64End?: Zip64EndField[];
}

const ZIP64_ORDER: Zip64EntryField[] = ['uncompressed', 'compressed', 'offset'];

/** An extra field of `id` holding `body`, with `declared` as its length (default: the body's). */
export function extraField(id: number, body: Buffer, declared = body.length): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(declared, 2);
  return Buffer.concat([head, body]);
}

/** The zip64 extra field (id 1) holding `values` as 64-bit integers. */
export function zip64Extra(values: Array<number | bigint>, declared?: number): Buffer {
  const body = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => body.writeBigUInt64LE(BigInt(v), 8 * i));
  return extraField(1, body, declared);
}

/** A minimal zip writer for tests: local headers, central directory, end record (CRCs left 0: not checked). */
export function makeZip(entries: ZipInput[], options: ZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
    const method = entry.method ?? (entry.deflate ? 8 : 0);
    const localExtra = entry.localExtra ?? Buffer.alloc(0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(entry.descriptor ? 8 : 0, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(entry.descriptor ? 0 : body.length, 18);
    local.writeUInt32LE(entry.descriptor ? 0 : entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    const descriptor = Buffer.alloc(entry.descriptor ? 16 : 0);
    if (entry.descriptor) {
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(body.length, 8);
      descriptor.writeUInt32LE(entry.data.length, 12);
    }
    const real: Record<Zip64EntryField, number> = {
      uncompressed: entry.data.length,
      compressed: body.length,
      offset,
    };
    const moved = ZIP64_ORDER.filter((field) => entry.zip64?.includes(field));
    const stored = (field: Zip64EntryField): number => (moved.includes(field) ? 0xffffffff : real[field]);
    const extra = Buffer.concat([
      entry.centralExtra ?? Buffer.alloc(0),
      moved.length > 0 ? zip64Extra(moved.map((field) => real[field])) : Buffer.alloc(0),
    ]);
    const comment = Buffer.from(entry.comment ?? '');
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.descriptor ? 8 : 0, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(stored('compressed'), 20);
    central.writeUInt32LE(stored('uncompressed'), 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt16LE(comment.length, 32);
    central.writeUInt32LE(stored('offset'), 42);
    locals.push(local, name, localExtra, body, descriptor);
    centrals.push(central, name, extra, comment);
    offset += 30 + name.length + localExtra.length + body.length + descriptor.length;
  }
  const cd = Buffer.concat(centrals);
  const zip64End = options.zip64End ?? [];
  const records: Buffer[] = [];
  if (zip64End.length > 0) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(cd.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    records.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64End.includes('count') ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64End.includes('count') ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64End.includes('size') ? 0xffffffff : cd.length, 12);
  end.writeUInt32LE(zip64End.includes('offset') ? 0xffffffff : offset, 16);
  return Buffer.concat([...locals, cd, ...records, end]);
}

/** Offset of the first central directory record (to patch its fields in hostile copies). */
export function centralDirectoryOffset(zip: Buffer): number {
  return zip.readUInt32LE(zip.length - 22 + 16);
}

/** Pickle bytes from opcodes (numbers), latin-1 text and buffers. */
export function pickleBytes(...parts: Array<number | string | Buffer>): Buffer {
  return Buffer.concat(
    parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : typeof p === 'string' ? Buffer.from(p, 'latin1') : p)),
  );
}

/** A pickle's little-endian length field of `bytes` bytes (a negative 4-byte one as BINSTRING's signed length). */
export function pickleLength(value: number | bigint, bytes: 4 | 8): Buffer {
  const out = Buffer.alloc(bytes);
  if (bytes === 8) out.writeBigUInt64LE(BigInt(value));
  else if (value < 0) out.writeInt32LE(Number(value));
  else out.writeUInt32LE(Number(value));
  return out;
}

/** BINUNICODE: a 32-bit length and UTF-8 text. */
export function binunicode(text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  return pickleBytes('X', pickleLength(body.length, 4), body);
}

/** A protocol-2 pickle: PROTO 2, the body, STOP. */
export function pickleOf(...body: Array<number[] | Buffer>): Buffer {
  return Buffer.concat([Buffer.from([0x80, 2]), ...body.map((part) => Buffer.from(part)), Buffer.from([0x2e])]);
}

/** A torch.save-like archive holding `pickle` as `archive/data.pkl`. */
export function torchArchive(pickle: Buffer, deflate = false): Buffer {
  return makeZip([{ name: 'archive/data.pkl', data: pickle, deflate }]);
}
