/**
 * Hostile torch.save archives (optimizer.pt, scheduler.pt): zip records that lie about sizes and
 * pickles that try to exhaust memory, time or the stack. Each must be refused with an error that
 * names the file and the limit, quickly, and honest neighbours must still be read.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { readPickle, PickleObject, PickleTuple, PickleGlobal } from '../../../../src/core/hf/pickle';
import { describeTensor, TorchFile } from '../../../../src/core/hf/torchFile';
import { ZipArchive } from '../../../../src/core/hf/zipArchive';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { centralDirectoryOffset, makeZip, pickleOf, torchArchive } from '../hf/zipWriter';
import { useTempDir } from './hostileFiles';

const EMPTY_DICT = 0x7d;
const BINUNICODE = 0x58;

/** {'k': 1} as pickle body ops. */
const SMALL_DICT = [EMPTY_DICT, BINUNICODE, 1, 0, 0, 0, 0x6b, 0x4b, 1, 0x73];

describe('hostile torch archives', () => {
  const dir = useTempDir('hostile-torch');

  describe('zip records', () => {
    /** An archive whose one central record gets `patch` applied (offsets relative to that record). */
    function patched(name: string, patch: (zip: Buffer, record: number) => void, deflate = false): string {
      const zip = torchArchive(pickleOf(SMALL_DICT), deflate);
      patch(zip, centralDirectoryOffset(zip));
      const path = join(dir(), name);
      writeFileSync(path, zip);
      return path;
    }

    it('refuses an entry that claims a 4 GB compressed size in a small file (stored or deflated), naming file, entry and limit', async () => {
      for (const deflate of [false, true]) {
        const path = patched('optimizer.pt', (zip, at) => zip.writeUInt32LE(0xfffffff0, at + 20), deflate);
        await assert.rejects(TorchFile.open(path), (error: Error) => {
          assert.match(
            error.message,
            /optimizer\.pt: entry archive\/data\.pkl compressed size is 4294967280 bytes \(limit \d+\)/,
          );
          return true;
        });
      }
    });

    it('refuses a compressed size under the limit that runs past the end of the file', async () => {
      const path = patched('scheduler.pt', (zip, at) => zip.writeUInt32LE(READ_LIMITS.pickleIntegerBytes * 4, at + 20));
      await assert.rejects(
        ZipArchive.open(path).then((zip) => zip.read(zip.entries[0]!, 1 << 20).finally(() => zip.close())),
        /scheduler\.pt: truncated or damaged \(wants 4096 bytes at offset \d+ of a \d+-byte file\)/,
      );
    });

    it('refuses a local header offset outside the file, and an entry count the directory cannot hold', async () => {
      const offset = patched('a.pt', (zip, at) => zip.writeUInt32LE(0x7ffffff0, at + 42));
      await assert.rejects(
        ZipArchive.open(offset).then((zip) => zip.read(zip.entries[0]!, 1 << 20).finally(() => zip.close())),
        /a\.pt: truncated or damaged/,
      );
      const counted = join(dir(), 'b.pt');
      const zip = torchArchive(pickleOf(SMALL_DICT));
      zip.writeUInt16LE(60_000, zip.length - 22 + 10);
      writeFileSync(counted, zip);
      await assert.rejects(ZipArchive.open(counted), /b\.pt: 60000 entries cannot fit a \d+-byte central directory/);
    });

    it('refuses a zip64 extra field cut short instead of reading past it', async () => {
      const path = join(dir(), 'c.pt');
      const zip = makeZip([{ name: 'archive/data.pkl', data: pickleOf(SMALL_DICT) }]);
      // Sizes 0xffffffff say "look in the zip64 extra field", and there is none.
      zip.writeUInt32LE(0xffffffff, centralDirectoryOffset(zip) + 24);
      writeFileSync(path, zip);
      await assert.rejects(
        ZipArchive.open(path),
        /c\.pt: central directory entry 0 \(archive\/data\.pkl\) has a damaged zip64 extra field/,
      );
    });

    it('still reads an honest deflated archive', async () => {
      const path = join(dir(), 'ok.pt');
      writeFileSync(path, torchArchive(pickleOf(SMALL_DICT), true));
      const file = await TorchFile.open(path);
      await file.close();
      assert.deepEqual([...(file.root as { map: Map<unknown, unknown> }).map], [['k', 1]]);
    });
  });

  describe('pickles', () => {
    it('refuses a 76 KB optimizer.pt that inflates to 60 million empty dicts (value limit)', async () => {
      const path = join(dir(), 'optimizer.pt');
      const bomb = Buffer.alloc(60_000_000, EMPTY_DICT);
      writeFileSync(path, torchArchive(pickleOf(bomb), true));
      await assert.rejects(
        TorchFile.open(path),
        new RegExp(
          `optimizer\\.pt:archive/data\\.pkl: pickle builds more than ${READ_LIMITS.pickleValues} values \\(the limit\\)`,
        ),
      );
    });

    it('reads a pickle of exactly the value limit, and refuses one more', () => {
      const at = (n: number) => pickleOf([0x5d], Buffer.alloc(n - 1, 0x4e), [0x30]); // EMPTY_LIST, NONE × (n-1), POP
      assert.deepEqual(readPickle(Buffer.concat([Buffer.from([0x80, 2, 0x5d, 0x2e])]), 'one'), []);
      assert.equal(readPickle(at(READ_LIMITS.pickleValues), 'exact'), null);
      assert.throws(
        () => readPickle(at(READ_LIMITS.pickleValues + 1), 'over.pkl'),
        /over\.pkl: pickle builds more than/,
      );
    });

    it('refuses a 200 KB LONG4 integer at once, and builds integers up to the limit exactly', () => {
      const long4 = (length: number, fill: number) => {
        const header = Buffer.alloc(5);
        header[0] = 0x8b;
        header.writeUInt32LE(length, 1);
        return pickleOf(header, Buffer.alloc(length, fill));
      };
      assert.throws(
        () => readPickle(long4(200_000, 0x11), 'big.pkl'),
        new RegExp(
          `big\\.pkl: pickle integer of 200000 bytes is longer than the limit of ${READ_LIMITS.pickleIntegerBytes}`,
        ),
      );
      const limit = READ_LIMITS.pickleIntegerBytes;
      assert.equal(readPickle(long4(limit, 0x01), 'ok'), BigInt(`0x${'01'.repeat(limit)}`));
      assert.equal(readPickle(long4(limit, 0xff), 'neg'), -1); // two's complement, all ones
      assert.equal(readPickle(pickleOf([0x8a, 2, 0x00, 0x80]), 'long1'), -32768);
      assert.throws(
        () => readPickle(pickleOf([0x49], Buffer.from(`${'9'.repeat(limit * 3 + 1)}\n`)), 'int.pkl'),
        /int\.pkl: pickle integer of \d+ digits is longer than the limit/,
      );
    });

    it('refuses MARK nesting beyond the depth limit, and reads nesting at the limit', () => {
      const nested = (depth: number) => pickleOf(Buffer.alloc(depth, 0x28), Buffer.alloc(depth, 0x6c)); // MARK × d, LIST × d
      assert.ok(Array.isArray(readPickle(nested(READ_LIMITS.pickleDepth), 'deep-ok')));
      assert.throws(
        () => readPickle(nested(READ_LIMITS.pickleDepth + 1), 'deep.pkl'),
        /deep\.pkl: pickle nests MARKs deeper than the limit/,
      );
    });

    it('describes a Parameter without recursing through endlessly nested wrappers', () => {
      let value: PickleObject = new PickleObject(
        new PickleGlobal('torch._utils', '_rebuild_tensor_v2'),
        new PickleTuple([]),
      );
      for (let i = 0; i < 100_000; i++)
        value = new PickleObject(new PickleGlobal('torch._utils', '_rebuild_parameter'), new PickleTuple([value]));
      assert.equal(describeTensor(value), null);
    });

    it('a deflated bomb is refused within the inflate limit, before any pickle work', async () => {
      const path = join(dir(), 'zipbomb.pt');
      const raw = deflateRawSync(Buffer.alloc(80 * 1024 * 1024, EMPTY_DICT));
      writeFileSync(path, buildDeflatedEntry(raw, 100));
      await assert.rejects(
        TorchFile.open(path),
        /zipbomb\.pt: entry archive\/data\.pkl does not inflate within \d+ bytes/,
      );
    });
  });
});

/** A zip whose one deflated entry is `compressed` but declares only `claimedSize` uncompressed bytes. */
function buildDeflatedEntry(compressed: Buffer, claimedSize: number): Buffer {
  // The records of an empty entry, patched to describe the real body.
  const zip = makeZip([{ name: 'archive/data.pkl', data: Buffer.alloc(0) }]);
  const name = Buffer.from('archive/data.pkl');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(compressed.length, 18);
  local.writeUInt32LE(claimedSize, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.from(zip.subarray(centralDirectoryOffset(zip), zip.length - 22));
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(compressed.length, 20);
  central.writeUInt32LE(claimedSize, 24);
  const end = Buffer.from(zip.subarray(zip.length - 22));
  const cdOffset = 30 + name.length + compressed.length;
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, name, compressed, central, end]);
}
