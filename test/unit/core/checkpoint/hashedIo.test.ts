import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from '../../../../src/core/checkpoint/checksum';
import { HASH_SLICE_BYTES, hashFile, readHashed, writeHashedSynced } from '../../../../src/core/checkpoint/hashedIo';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
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
      const written = await writeHashedSynced(shortFs, path, chunks);
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
      const written = await writeHashedSynced(fsWith({}), path, [big.subarray(0, 1000), big.subarray(1000)]);
      const read = await readHashed(fsWith({}), path, 'crc32');
      assert.equal(read.checksum, written.checksum);
      assert.ok(read.bytes.equals(big));
      assert.equal(await hashFile(fsWith({}), path), written.checksum);
    });
  });

  it('issues the fsync as soon as the write returns, while the checksum is still running', async () => {
    let turns = 0;
    let ticking = true;
    const tick = (): void => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const file = recordingFile(() => turns);
    const bytes = new Uint8Array(HASH_SLICE_BYTES * 6).fill(7);
    const written = await writeHashedSynced(file.fs, 'f', [bytes]);
    ticking = false;
    // One slice checksummed per turn leaves about 6 turns after the fsync was issued; checksumming first, none.
    assert.ok(
      file.syncTurn !== null && turns - file.syncTurn >= 3,
      `fsync issued at turn ${file.syncTurn} of ${turns}`,
    );
    assert.deepEqual(file.events, ['writev', 'sync', 'close']);
    assert.equal(written.size, bytes.byteLength);
    assert.equal(written.checksum, crc32(bytes).toString(16).padStart(8, '0'));
  });

  it('fails with the fsync error and closes the file once, after the fsync settled', async () => {
    const file = recordingFile(() => 0, Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    await assert.rejects(writeHashedSynced(file.fs, 'f', [new Uint8Array(HASH_SLICE_BYTES * 3)]), /EIO/);
    assert.deepEqual(file.events, ['writev', 'sync', 'sync-failed', 'close']);
  });
});

/** An in-memory file handle that records the calls made on it, and the turn (from `turn`) when sync was called. */
function recordingFile(
  turn: () => number,
  syncError?: Error,
): { fs: CheckpointFs; events: string[]; syncTurn: number | null } {
  const record = { events: [] as string[], syncTurn: null as number | null };
  const handle = {
    writev: async (buffers: Uint8Array[]) => {
      record.events.push('writev');
      return { bytesWritten: buffers.reduce((n, b) => n + b.byteLength, 0), buffers };
    },
    sync: async () => {
      record.events.push('sync');
      record.syncTurn = turn();
      if (!syncError) return;
      await new Promise((resolve) => setImmediate(resolve));
      record.events.push('sync-failed');
      throw syncError;
    },
    close: async () => void record.events.push('close'),
  };
  return Object.assign(record, { fs: fsWith({ open: (async () => handle) as unknown as CheckpointFs['open'] }) });
}
