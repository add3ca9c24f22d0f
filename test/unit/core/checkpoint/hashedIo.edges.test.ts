/** Checksummed I/O edges: a short writev that ends past a whole chunk, and the size bound of readHashed. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from '../../../../src/core/checkpoint/checksum';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { readHashed, writeHashedSynced } from '../../../../src/core/checkpoint/hashedIo';
import { ReadLimitError } from '../../../../src/core/limits/readLimits';
import { virtualFs } from './faultFs';
import { withTempDir } from './helpers';

type Handle = Awaited<ReturnType<typeof nodeFs.open>>;
const crcHex = (bytes: Uint8Array) => crc32(bytes).toString(16).padStart(8, '0');

describe('checksummed file I/O edges', () => {
  it('a writev that stops two bytes into the second chunk: the rest is written from there, the first chunk not again', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      v.override(
        'open',
        (open) =>
          (async (...args: Parameters<typeof nodeFs.open>) => {
            const handle: Handle = await open(...args);
            const writev = handle.writev.bind(handle);
            let first = true;
            handle.writev = (async (buffers: Uint8Array[], position: number) => {
              if (!first) return writev(buffers, position);
              first = false;
              // Short: the first chunk and two bytes of the second reach the file.
              return writev([buffers[0]!, buffers[1]!.subarray(0, 2)], position);
            }) as Handle['writev'];
            return handle;
          }) as CheckpointFs['open'],
      );
      const chunks = [Buffer.from('first-'), Buffer.from('second-'), Buffer.from('third')];
      const written = await writeHashedSynced(v.fs, join(v.root, 'f.bin'), chunks);
      const expected = Buffer.concat(chunks);
      assert.equal((await readFile(join(real, 'f.bin'))).toString(), expected.toString());
      assert.deepEqual(written, { size: expected.length, checksum: crcHex(expected) });
    });
  });

  it('readHashed reads a file of exactly maxBytes; one byte over is refused, naming the file and the size', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'state.json');
      await writeFile(path, '12345');
      const v = virtualFs(dir);
      const virtualPath = join(v.root, 'state.json');
      assert.equal((await readHashed(v.fs, virtualPath, null, 5)).bytes.toString(), '12345');
      await assert.rejects(readHashed(v.fs, virtualPath, null, 4), (e: unknown) => {
        assert.ok(e instanceof ReadLimitError);
        assert.equal(
          e.message,
          `${virtualPath}: size is 5 bytes (limit 4); the file is corrupt or not what it claims to be`,
        );
        return true;
      });
      assert.equal(v.openHandles(), 0);
    });
  });
});
