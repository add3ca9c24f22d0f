import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TorchFile } from '../../../../src/core/hf/torchFile';
import { ZipArchive } from '../../../../src/core/hf/zipArchive';
import { makeZip } from './zipWriter';

describe('zip reader for torch.save archives', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zip-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads stored and deflated entries by name, and refuses entries over the size limit', async () => {
    const path = join(dir, 'a.zip');
    const big = Buffer.alloc(5000, 7);
    writeFileSync(
      path,
      makeZip([
        { name: 'x/stored', data: Buffer.from('hello') },
        { name: 'x/deflated', data: big, deflate: true },
      ]),
    );
    const zip = await ZipArchive.open(path);
    try {
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
    } finally {
      await zip.close();
    }
  });

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
