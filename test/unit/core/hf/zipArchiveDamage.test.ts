/**
 * Damaged and lying zip archives: each is refused with an error naming the file and what is wrong,
 * before anything is allocated from the lie.
 */
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZipArchive, ZipFormatError } from '../../../../src/core/hf/zipArchive';
import { READ_LIMITS, ReadLimitError } from '../../../../src/core/limits/readLimits';
import { useTempDir } from '../hostile/hostileFiles';
import { centralDirectoryOffset, extraField, makeZip, zip64Extra, type ZipInput } from './zipWriter';

const ONE = [{ name: 'x/data.pkl', data: Buffer.from('twelve bytes') }];
/** Where the end record's fields sit, counted from the end of the file. */
const END = { count: 22 - 10, size: 22 - 12, offset: 22 - 16 };

describe('zip reader: damaged and lying archives', () => {
  const dir = useTempDir('zip-damage');
  let path = '';
  /** Writes `zip` as <dir>/bad.pt and returns what opening it (and reading its first entry) rejects with. */
  async function failure(zip: Buffer, maxBytes = 1 << 20): Promise<Error> {
    path = join(dir(), 'bad.pt');
    writeFileSync(path, zip);
    const error = await ZipArchive.open(path).then(
      (archive) =>
        archive.read(archive.entries[0]!, maxBytes).then(
          () => assert.fail('read a damaged archive'),
          (e: Error) => archive.close().then(() => e),
        ),
      (e: Error) => e,
    );
    assert.ok(error instanceof ZipFormatError || error instanceof ReadLimitError, String(error));
    return error;
  }
  /** The message with the file's folder left out. */
  const message = (error: Error) => error.message.replace(`${dir()}/`, '');
  /** A one-entry archive with `patch` applied to its central record (offsets within that record). */
  function patchedCentral(patch: (zip: Buffer, record: number) => void, entries: ZipInput[] = ONE): Buffer {
    const zip = makeZip(entries);
    patch(zip, centralDirectoryOffset(zip));
    return zip;
  }

  it('refuses a folder, a 21-byte file and a file with no end record, as ZipFormatErrors', async () => {
    const folder = join(dir(), 'folder.pt');
    mkdirSync(folder);
    await assert.rejects(ZipArchive.open(folder), {
      name: 'ZipFormatError',
      message: `${folder}: not a regular file; only regular files are read`,
    });
    const small = await failure(makeZip([]).subarray(1));
    assert.equal(small.name, 'ZipFormatError');
    assert.equal(message(small), 'bad.pt: 21 bytes is too small to be a zip archive (truncated?)');
    assert.equal(
      message(await failure(Buffer.alloc(100, 0x20))),
      'bad.pt: no zip end-of-central-directory record (truncated, or not a zip archive)',
    );
  });

  it('refuses compression methods other than stored and deflate, naming the method', async () => {
    const error = await failure(makeZip([{ name: 'x/data.pkl', data: Buffer.from('bz'), method: 12 }]));
    assert.equal(
      message(error),
      'bad.pt: entry x/data.pkl uses compression method 12; only stored and deflate are read',
    );
  });

  it('refuses a stored entry whose compressed size claims more than is read, even when its size is small', async () => {
    const zip = patchedCentral((z, at) => z.writeUInt32LE(1500, at + 20));
    const error = await failure(zip, 1000);
    assert.equal(error.name, 'ReadLimitError');
    assert.match(message(error), /^bad\.pt: entry x\/data\.pkl compressed size is 1500 bytes \(limit 1000\)/);
  });

  it('refuses an entry whose local header is not where the directory says', async () => {
    const zip = makeZip(ONE);
    zip.writeUInt32LE(0x12345678, 0);
    assert.equal(message(await failure(zip)), 'bad.pt: entry x/data.pkl has no local header at offset 0');
  });

  it('refuses to read an entry from a file cut short after it was opened', async () => {
    path = join(dir(), 'shrinking.pt');
    writeFileSync(path, makeZip(ONE));
    const archive = await ZipArchive.open(path);
    try {
      truncateSync(path, 45); // the entry's data is 12 bytes at offset 40
      await assert.rejects(archive.read(archive.entries[0]!, 100), {
        name: 'ZipFormatError',
        message: `${path}: truncated (wanted 12 bytes at offset 40, got 5)`,
      });
    } finally {
      await archive.close();
    }
  });

  describe('end records', () => {
    it('refuses a zip64 end record with no locator before it, or a locator pointing at no record', async () => {
      const zip = makeZip(ONE, { zip64End: ['count'] });
      const locator = zip.length - 22 - 20;
      const noLocator = Buffer.from(zip);
      noLocator.writeUInt32LE(0, locator);
      assert.equal(message(await failure(noLocator)), 'bad.pt: zip64 locator missing');
      const noRecord = Buffer.from(zip);
      noRecord.writeUInt32LE(0, locator - 56);
      assert.equal(message(await failure(noRecord)), 'bad.pt: zip64 end record missing');
      const outside = Buffer.from(zip);
      outside.writeBigUInt64LE(BigInt(zip.length), locator + 8);
      assert.match(message(await failure(outside)), /^bad\.pt: truncated or damaged \(wants 56 bytes at offset \d+/);
    });

    it('refuses a zip64 marker in an end record at the very start of the file (no room for a locator)', async () => {
      const zip = makeZip([]);
      zip.writeUInt16LE(0xffff, zip.length - END.count);
      assert.equal(
        message(await failure(zip)),
        'bad.pt: truncated or damaged (wants 20 bytes at offset -20 of a 22-byte file)',
      );
    });

    it('refuses a central directory over the size limit, and one that ends past the end of the file', async () => {
      const limit = READ_LIMITS.zipCentralDirectoryBytes;
      const over = makeZip(ONE);
      over.writeUInt32LE(limit + 1, over.length - END.size);
      const error = await failure(over);
      assert.equal(error.name, 'ReadLimitError');
      assert.match(
        message(error),
        new RegExp(`^bad\\.pt: zip central directory size is ${limit + 1} bytes \\(limit ${limit}\\)`),
      );
      const atLimit = makeZip(ONE);
      atLimit.writeUInt32LE(limit, atLimit.length - END.size);
      assert.equal(
        message(await failure(atLimit)),
        `bad.pt: central directory (${limit} bytes at 52) lies outside the ${atLimit.length}-byte file (truncated?)`,
      );
      const farOffset = makeZip(ONE);
      farOffset.writeUInt32LE(farOffset.length + 10, farOffset.length - END.offset);
      assert.equal(
        message(await failure(farOffset)),
        `bad.pt: central directory (56 bytes at ${farOffset.length + 10}) lies outside the ${farOffset.length}-byte file (truncated?)`,
      );
    });

    it('refuses an entry count over the limit, and counts the directory cannot hold', async () => {
      const limit = READ_LIMITS.zipEntries;
      const counted = (count: number): Buffer => {
        const zip = makeZip(ONE, { zip64End: ['count'] });
        zip.writeBigUInt64LE(BigInt(count), zip.length - 22 - 20 - 56 + 32);
        return zip;
      };
      const over = await failure(counted(limit + 1));
      assert.equal(over.name, 'ReadLimitError');
      assert.match(message(over), new RegExp(`^bad\\.pt: zip entry count is ${limit + 1} \\(limit ${limit}\\)`));
      assert.equal(
        message(await failure(counted(limit))),
        `bad.pt: ${limit} entries cannot fit a 56-byte central directory (damaged)`,
      );
      const two = makeZip(ONE);
      two.writeUInt16LE(2, two.length - END.count);
      assert.equal(message(await failure(two)), 'bad.pt: 2 entries cannot fit a 56-byte central directory (damaged)');
    });
  });

  describe('central records', () => {
    it('refuses a record without its signature, and a count that runs past the last record', async () => {
      const unsigned = patchedCentral((zip, at) => zip.writeUInt32LE(0, at));
      assert.equal(message(await failure(unsigned)), 'bad.pt: central directory entry 0 is damaged');
      // Three long names leave room for four 46-byte minimum records: the fourth starts at the end.
      const names = ['a', 'b', 'c'].map((c) => ({ name: c.repeat(40), data: Buffer.from(c) }));
      const overcounted = makeZip(names);
      overcounted.writeUInt16LE(4, overcounted.length - END.count);
      assert.equal(message(await failure(overcounted)), 'bad.pt: central directory entry 3 is damaged');
    });

    const damagedExtra = 'bad.pt: central directory entry 0 (x/data.pkl) has a damaged zip64 extra field';
    /** One entry whose sizes both say "see zip64", with `extra` as its central extra field. */
    const withExtra = (extra: Buffer): Buffer => {
      const zip = makeZip([{ ...ONE[0]!, centralExtra: extra }]);
      const at = centralDirectoryOffset(zip);
      zip.writeUInt32LE(0xffffffff, at + 20);
      zip.writeUInt32LE(0xffffffff, at + 24);
      return zip;
    };

    it('refuses a zip64 field cut short: declared longer than the extra, or shorter than the values needed', async () => {
      assert.equal(message(await failure(withExtra(zip64Extra([12], 16)))), damagedExtra);
      assert.equal(message(await failure(withExtra(zip64Extra([12, 12], 8)))), damagedExtra);
      assert.equal(message(await failure(withExtra(zip64Extra([12], 8)))), damagedExtra);
    });

    it('refuses a zip64 value beyond exact integers, and sizes of 0xffffffff with no zip64 field', async () => {
      assert.equal(message(await failure(withExtra(zip64Extra([12, 2n ** 60n])))), damagedExtra);
      assert.equal(message(await failure(withExtra(extraField(0x5455, Buffer.alloc(5))))), damagedExtra);
      // The honest version of the same records reads.
      path = join(dir(), 'ok.pt');
      writeFileSync(path, withExtra(Buffer.concat([extraField(0x5455, Buffer.alloc(5)), zip64Extra([12, 12])])));
      const archive = await ZipArchive.open(path);
      try {
        assert.equal((await archive.read(archive.entries[0]!, 12)).toString(), 'twelve bytes');
      } finally {
        await archive.close();
      }
    });
  });

  it('close() releases the file: a later read fails', async () => {
    path = join(dir(), 'closed.pt');
    writeFileSync(path, makeZip(ONE));
    const archive = await ZipArchive.open(path);
    await archive.close();
    await assert.rejects(archive.read(archive.entries[0]!, 100), /closed|EBADF/);
  });
});
