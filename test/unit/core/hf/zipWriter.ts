/** Test-only zip and pickle builders: hand-made archives, honest or lying. */
import { deflateRawSync } from 'node:zlib';

export interface ZipInput {
  name: string;
  data: Buffer;
  deflate?: boolean;
}

/** A minimal zip writer for tests: local headers, central directory, end record (CRCs left 0: not checked). */
export function makeZip(entries: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const body = entry.deflate ? deflateRawSync(entry.data) : entry.data;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.deflate ? 8 : 0, 10);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Offset of the first central directory record (to patch its fields in hostile copies). */
export function centralDirectoryOffset(zip: Buffer): number {
  return zip.readUInt32LE(zip.length - 22 + 16);
}

/** A protocol-2 pickle: PROTO 2, the body, STOP. */
export function pickleOf(...body: Array<number[] | Buffer>): Buffer {
  return Buffer.concat([Buffer.from([0x80, 2]), ...body.map((part) => Buffer.from(part)), Buffer.from([0x2e])]);
}

/** A torch.save-like archive holding `pickle` as `archive/data.pkl`. */
export function torchArchive(pickle: Buffer, deflate = false): Buffer {
  return makeZip([{ name: 'archive/data.pkl', data: pickle, deflate }]);
}
