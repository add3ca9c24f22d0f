import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from '../../../../src/core/checkpoint/checksum';
import { hashFile, readHashed, writeHashed } from '../../../../src/core/checkpoint/hashedIo';
import { fsWith, withTempDir } from './helpers';

describe('checksummed file I/O', () => {
  it('finishes a short writev and checksums exactly the bytes on disk', async () => {
    await withTempDir(async (dir) => {
      // A handle whose writev only ever writes half of its first buffer, as a signal or quota can cause.
      const shortFs = fsWith({
        open: (async (...args: Parameters<typeof nodeFs.open>) => {
          const handle = await nodeFs.open(...args);
          return new Proxy(handle, {
            get(target, prop) {
              if (prop === 'writev') {
                return async (buffers: Uint8Array[], position: number) => {
                  const first = buffers[0]!.subarray(0, Math.ceil(buffers[0]!.byteLength / 2));
                  const { bytesWritten } = await target.write(first, 0, first.byteLength, position);
                  return { bytesWritten, buffers };
                };
              }
              const value = Reflect.get(target, prop) as unknown;
              return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
            },
          });
        }) as typeof nodeFs.open,
      });
      const chunks = [Buffer.from('hello '), Buffer.from('checkpoint '), Buffer.from('world')];
      const path = join(dir, 'f');
      const written = await writeHashed(shortFs, path, chunks);
      await written.syncAndClose();
      const expected = Buffer.concat(chunks);
      assert.deepEqual(await readFile(path), expected);
      assert.equal(written.size, expected.length);
      assert.equal(written.checksum, crc32(expected).toString(16).padStart(8, '0'));
    });
  });

  it('reads files larger than one chunk with the same checksum as writing them', async () => {
    await withTempDir(async (dir) => {
      const big = Buffer.alloc((8 << 20) * 2 + 12345);
      for (let i = 0; i < big.length; i += 4093) big[i] = i & 0xff;
      const path = join(dir, 'big');
      const written = await writeHashed(fsWith({}), path, [big.subarray(0, 1000), big.subarray(1000)]);
      await written.syncAndClose();
      const read = await readHashed(fsWith({}), path, 'crc32');
      assert.equal(read.checksum, written.checksum);
      assert.ok(read.bytes.equals(big));
      assert.equal(await hashFile(fsWith({}), path), written.checksum);
    });
  });
});
