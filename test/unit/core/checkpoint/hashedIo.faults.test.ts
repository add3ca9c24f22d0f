import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import type * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from '../../../../src/core/checkpoint/checksum';
import { fsyncDir, pathExists, type CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { hashFile, readHashed, writeHashedSynced } from '../../../../src/core/checkpoint/hashedIo';
import { alwaysFails, virtualFs, type VirtualFs } from './faultFs';
import { withTempDir } from './helpers';

type Handle = Awaited<ReturnType<typeof nodeFs.open>>;
const crcHex = (bytes: Uint8Array) => crc32(bytes).toString(16).padStart(8, '0');
const MiB = 1 << 20;

/** Wraps every handle the virtual fs opens; `patch` may replace its methods. Returns the calls made on handles. */
function patchHandles(v: VirtualFs, patch: (handle: Handle, calls: string[]) => void = () => undefined): string[] {
  const calls: string[] = [];
  v.override(
    'open',
    (open) =>
      (async (...args: Parameters<typeof nodeFs.open>) => {
        const handle = await open(...args);
        for (const method of ['read', 'write', 'writev', 'sync', 'stat'] as const) {
          const original = (handle[method] as (...a: unknown[]) => Promise<unknown>).bind(handle);
          (handle as unknown as Record<string, unknown>)[method] = (...a: unknown[]) => {
            calls.push(method);
            return original(...a);
          };
        }
        patch(handle, calls);
        return handle;
      }) as CheckpointFs['open'],
  );
  return calls;
}

const count = (calls: string[], method: string) => calls.filter((c) => c === method).length;

describe('checksummed file I/O: large, empty and failing files', () => {
  it('writes more than 256 chunks in writev batches of at most 256, at the right offsets', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const calls = patchHandles(v);
      const chunks = Array.from({ length: 600 }, (_, i) => Buffer.from([i & 0xff, (i >> 8) & 0xff, 7]));
      const written = await writeHashedSynced(v.fs, join(v.root, 'f'), chunks);
      const expected = Buffer.concat(chunks);
      assert.deepEqual(await readFile(join(real, 'f')), expected);
      assert.deepEqual(written, { size: expected.length, checksum: crcHex(expected) });
      assert.equal(count(calls, 'writev'), 3);
      assert.equal(count(calls, 'sync'), 1);
      assert.equal(v.openHandles(), 0);
    });
  });

  it('writes an empty file from no chunks', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const written = await writeHashedSynced(v.fs, join(v.root, 'empty'), []);
      assert.deepEqual(written, { size: 0, checksum: '00000000' });
      assert.equal((await stat(join(real, 'empty'))).size, 0);
      assert.equal(v.openHandles(), 0);
    });
  });

  it('fails a write that makes no progress, and closes the file', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      patchHandles(v, (handle) => {
        handle.writev = (async (buffers: Uint8Array[]) => ({ bytesWritten: 1, buffers })) as Handle['writev'];
        handle.write = (async () => ({ bytesWritten: 0 })) as unknown as Handle['write'];
      });
      await assert.rejects(
        writeHashedSynced(v.fs, join(v.root, 'f'), [Buffer.from('abc'), Buffer.from('def')]),
        /write made no progress/,
      );
      assert.equal(v.openHandles(), 0);
    });
  });

  it('reads a 20 MiB file in 8 MiB chunks with the checksum of its bytes, and closes it', async () => {
    await withTempDir(async (real) => {
      const big = Buffer.alloc(20 * MiB);
      for (let i = 0; i < big.length; i += 4099) big[i] = (i >> 3) & 0xff;
      await writeFile(join(real, 'big'), big);
      const v = virtualFs(real);
      const calls = patchHandles(v);
      const read = await readHashed(v.fs, join(v.root, 'big'), 'crc32');
      assert.ok(read.bytes.equals(big));
      assert.equal(read.checksum, crcHex(big));
      assert.equal(count(calls, 'read'), 3);
      calls.length = 0;
      assert.equal(await hashFile(v.fs, join(v.root, 'big')), crcHex(big));
      assert.equal(count(calls, 'read'), 4, 'three chunks and the read that finds the end');
      assert.equal((await readHashed(v.fs, join(v.root, 'big'), null)).checksum, null);
      assert.equal(v.openHandles(), 0);
    });
  });

  it('reads and hashes a 0-byte file without a read', async () => {
    await withTempDir(async (real) => {
      await writeFile(join(real, 'empty'), '');
      const v = virtualFs(real);
      const calls = patchHandles(v);
      const read = await readHashed(v.fs, join(v.root, 'empty'), 'crc32');
      assert.equal(read.bytes.length, 0);
      assert.equal(read.checksum, '00000000');
      assert.equal(count(calls, 'read'), 0);
      assert.equal(
        await hashFile(v.fs, join(v.root, 'empty'), 'sha256'),
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      );
      assert.equal(v.openHandles(), 0);
    });
  });

  it('fails on a file that shrinks while it is read, naming it, and closes it', async () => {
    await withTempDir(async (real) => {
      await writeFile(join(real, 'f'), Buffer.alloc(100, 1));
      const v = virtualFs(real);
      patchHandles(v, (handle) => {
        const statReal = handle.stat.bind(handle);
        // Same Stats (its isFile() and the rest) with a larger size.
        handle.stat = (async () => Object.assign(await statReal(), { size: 150 })) as Handle['stat'];
      });
      await assert.rejects(readHashed(v.fs, join(v.root, 'f'), 'crc32'), {
        message: `${join(v.root, 'f')}: file shrank while reading (100 of 150 bytes)`,
      });
      assert.equal(v.openHandles(), 0);
    });
  });

  it('closes the file when a read fails, in both readers', async () => {
    await withTempDir(async (real) => {
      await writeFile(join(real, 'f'), Buffer.alloc(100, 1));
      const v = virtualFs(real);
      patchHandles(v, (handle) => {
        handle.read = alwaysFails<Handle['read']>('EIO');
      });
      await assert.rejects(readHashed(v.fs, join(v.root, 'f'), 'crc32'), { code: 'EIO' });
      await assert.rejects(hashFile(v.fs, join(v.root, 'f')), { code: 'EIO' });
      assert.equal(v.openHandles(), 0);
    });
  });

  it('fsyncDir syncs and closes the folder, closing it when the sync fails; skipped on Windows', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const calls = patchHandles(v);
      await fsyncDir(v.fs, v.root);
      assert.equal(count(calls, 'sync'), 1);
      assert.equal(v.openHandles(), 0);
      patchHandles(v, (handle) => {
        handle.sync = alwaysFails<Handle['sync']>('EIO');
      });
      await assert.rejects(fsyncDir(v.fs, v.root), { code: 'EIO' });
      assert.equal(v.openHandles(), 0);
      const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
      Object.defineProperty(process, 'platform', { value: 'win32' });
      try {
        const opened = v.calls.open;
        await fsyncDir(v.fs, v.root);
        assert.equal(v.calls.open, opened);
      } finally {
        Object.defineProperty(process, 'platform', platform);
      }
    });
  });

  it('pathExists: true for a file or folder, false when stat fails', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      await writeFile(join(real, 'f'), 'x');
      assert.equal(await pathExists(v.fs, join(v.root, 'f')), true);
      assert.equal(await pathExists(v.fs, v.root), true);
      assert.equal(await pathExists(v.fs, join(v.root, 'absent')), false);
    });
  });
});
