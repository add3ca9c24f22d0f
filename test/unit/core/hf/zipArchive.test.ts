import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TorchFile } from '../../../../src/core/hf/torchFile';
import { ZipArchive } from '../../../../src/core/hf/zipArchive';
import { extraField, makeZip, type Zip64EndField, type Zip64EntryField } from './zipWriter';

describe('zip reader for torch.save archives', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zip-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes `zip` to a file, opens it, runs `use`, closes. */
  async function withZip<T>(zip: Buffer, use: (archive: ZipArchive) => Promise<T>): Promise<T> {
    const path = join(dir, 'a.zip');
    writeFileSync(path, zip);
    const archive = await ZipArchive.open(path);
    try {
      return await use(archive);
    } finally {
      await archive.close();
    }
  }
  /** Every entry's name and text, read with a generous limit. */
  const contents = (zip: Buffer): Promise<Array<[string, string]>> =>
    withZip(zip, async (archive) => {
      const out: Array<[string, string]> = [];
      for (const entry of archive.entries) out.push([entry.name, (await archive.read(entry, 1 << 20)).toString()]);
      return out;
    });

  it('reads stored and deflated entries by name, and refuses entries over the size limit', async () => {
    const big = Buffer.alloc(5000, 7);
    await withZip(
      makeZip([
        { name: 'x/stored', data: Buffer.from('hello') },
        { name: 'x/deflated', data: big, deflate: true },
      ]),
      async (zip) => {
        assert.deepEqual(
          zip.entries.map((e) => e.name),
          ['x/stored', 'x/deflated'],
        );
        assert.equal(
          (
            await zip.read(
              zip.find((n) => n === 'x/stored')!,
              100,
            )
          ).toString(),
          'hello',
        );
        assert.deepEqual(
          await zip.read(
            zip.find((n) => n === 'x/deflated')!,
            10_000,
          ),
          big,
        );
        await assert.rejects(
          zip.read(
            zip.find((n) => n === 'x/deflated')!,
            100,
          ),
          /x\/deflated is 5000 bytes, more than the 100 read here/,
        );
      },
    );
  });

  it('reads an entry of exactly the size asked for, stored or deflated (incompressible data deflates slightly larger)', async () => {
    const size = 2 * 1024 * 1024; // large enough that the deflate allowance (size/1024 + 1024) exceeds 2 × 1024
    const data = randomBytes(size);
    await withZip(
      makeZip([
        { name: 'stored', data },
        { name: 'deflated', data, deflate: true },
      ]),
      async (zip) => {
        const [stored, deflated] = zip.entries;
        assert.ok(deflated!.compressedSize > size, 'random data does not shrink');
        assert.deepEqual(await zip.read(stored!, size), data);
        assert.deepEqual(await zip.read(deflated!, size), data);
      },
    );
    const small = randomBytes(1000); // the fixed 1024-byte allowance is all it gets
    await withZip(makeZip([{ name: 'small', data: small, deflate: true }]), async (zip) => {
      assert.deepEqual(await zip.read(zip.entries[0]!, small.length), small);
    });
  });

  it('reads an empty archive: a bare 22-byte end record', async () => {
    const empty = makeZip([]);
    assert.equal(empty.length, 22);
    assert.deepEqual(await withZip(empty, async (zip) => zip.entries), []);
    // The same, with the (empty) directory placed at the very end of the file: still inside it.
    empty.writeUInt32LE(22, 16);
    assert.deepEqual(await withZip(empty, async (zip) => zip.entries), []);
  });

  it('reads an entry with an empty name (the smallest central record, filling the directory exactly)', async () => {
    assert.deepEqual(await contents(makeZip([{ name: '', data: Buffer.from('nameless') }])), [['', 'nameless']]);
  });

  it('reads entries streamed with data descriptors (local sizes 0) and local extra padding, as torch.save writes them', async () => {
    const padding = extraField(0x4246, Buffer.alloc(37)); // torch's 'FB' field aligns data to 64 bytes
    const zip = makeZip([
      { name: 'archive/data.pkl', data: Buffer.from('pickle bytes'), descriptor: true, localExtra: padding },
      { name: 'archive/data/0', data: Buffer.from('storage'), descriptor: true, localExtra: padding, deflate: true },
    ]);
    assert.deepEqual(await contents(zip), [
      ['archive/data.pkl', 'pickle bytes'],
      ['archive/data/0', 'storage'],
    ]);
  });

  it('steps over entry comments and foreign extra fields to the next central record', async () => {
    const timestamp = extraField(0x5455, Buffer.from([1, 0, 0, 0, 0]));
    const zip = makeZip([
      { name: 'first', data: Buffer.from('one'), centralExtra: timestamp, comment: 'a comment' },
      { name: 'second', data: Buffer.from('two'), centralExtra: timestamp },
      { name: 'third', data: Buffer.from('three') },
    ]);
    assert.deepEqual(await contents(zip), [
      ['first', 'one'],
      ['second', 'two'],
      ['third', 'three'],
    ]);
  });

  const entryFields: Zip64EntryField[][] = [
    ['uncompressed'],
    ['compressed'],
    ['offset'],
    ['uncompressed', 'compressed', 'offset'],
  ];
  for (const zip64 of entryFields) {
    it(`reads an entry whose ${zip64.join(', ')} lies in a zip64 extra field (after a foreign one)`, async () => {
      const zip = makeZip([
        { name: 'plain', data: Buffer.from('first entry') },
        {
          name: 'archive/data/1',
          data: Buffer.from('second entry'),
          zip64,
          centralExtra: extraField(0x5455, Buffer.from([1, 2, 3, 4, 5])),
          comment: 'c',
        },
        { name: 'last', data: Buffer.from('third entry') },
      ]);
      await withZip(zip, async (archive) => {
        const entry = archive.entries[1]!;
        assert.deepEqual(
          { ...entry },
          { name: 'archive/data/1', method: 0, compressedSize: 12, uncompressedSize: 12, localHeaderOffset: 46 },
        );
        assert.equal((await archive.read(entry, 100)).toString(), 'second entry');
        assert.equal((await archive.read(archive.entries[2]!, 100)).toString(), 'third entry');
      });
    });
  }

  const endFields: Zip64EndField[][] = [['count'], ['size'], ['offset'], ['count', 'size', 'offset']];
  for (const zip64End of endFields) {
    it(`reads an archive whose end record keeps its ${zip64End.join(', ')} in a zip64 end record`, async () => {
      const zip = makeZip(
        [
          { name: 'a', data: Buffer.from('alpha') },
          { name: 'b', data: Buffer.from('beta'), deflate: true },
        ],
        { zip64End },
      );
      assert.deepEqual(await contents(zip), [
        ['a', 'alpha'],
        ['b', 'beta'],
      ]);
    });
  }

  it('a torch archive: finds <prefix>/data.pkl and parses it; a non-zip file is called legacy format', async () => {
    const path = join(dir, 'scheduler.pt');
    // {'last_epoch': 3} as protocol 2: PROTO 2, EMPTY_DICT, BINUNICODE 'last_epoch', BININT1 3, SETITEM, STOP
    const pickle = Buffer.concat([
      Buffer.from([0x80, 2, 0x7d, 0x58, 10, 0, 0, 0]),
      Buffer.from('last_epoch'),
      Buffer.from([0x4b, 3, 0x73, 0x2e]),
    ]);
    writeFileSync(
      path,
      makeZip([
        { name: 'scheduler/version', data: Buffer.from('3\n') },
        { name: 'scheduler/data.pkl', data: pickle },
      ]),
    );
    const file = await TorchFile.open(path);
    await file.close();
    assert.deepEqual([...(file.root as { map: Map<unknown, unknown> }).map], [['last_epoch', 3]]);

    const legacy = join(dir, 'legacy.pt');
    writeFileSync(legacy, pickle);
    await assert.rejects(TorchFile.open(legacy), /legacy\.pt: not a zip archive; .*legacy format/);
  });
});
