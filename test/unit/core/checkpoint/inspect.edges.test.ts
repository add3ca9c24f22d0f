/** inspectCheckpoint's edges (checksums only on request, slots without tensors) and the safetensors header reader's partial and short reads. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import type * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { inspectCheckpoint } from '../../../../src/core/checkpoint/inspect';
import { readSafetensorsHeader } from '../../../../src/core/checkpoint/safetensorsFile';
import { virtualFs, type VirtualFs } from './faultFs';
import { replaceVerified, saveInOrder, withTempDir } from './helpers';

type Handle = Awaited<ReturnType<typeof nodeFs.open>>;

/** Every handle opened through `v` gets `read` replaced by `make(original)`. */
function patchRead(v: VirtualFs, make: (read: Handle['read'], handle: Handle) => Handle['read']): void {
  v.override(
    'open',
    (open) =>
      (async (...args: Parameters<typeof nodeFs.open>) => {
        const handle: Handle = await open(...args);
        handle.read = make(handle.read.bind(handle) as Handle['read'], handle);
        return handle;
      }) as CheckpointFs['open'],
  );
}

describe('inspectCheckpoint edges', () => {
  it('hashes only when asked: a same-size damaged file is a problem with verify only', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [3]);
      const model = join(path!, 'model.safetensors');
      const bytes = await readFile(model);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
      await writeFile(model, bytes);
      const quick = await inspectCheckpoint(path!);
      assert.deepEqual([quick.valid, quick.verified, quick.problems], [true, false, []]);
      const verified = await inspectCheckpoint(path!, { verify: true });
      assert.deepEqual([verified.valid, verified.verified], [false, true]);
      assert.match(verified.problems.join('\n'), /model\.safetensors: crc32 checksum mismatch/);
    });
  });

  it('shows optimizer slots whose tensors are missing or unlisted with no dtype or shape, and no problem', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [3]);
      const state = JSON.parse(await readFile(join(path!, 'optimizer.json'), 'utf8'));
      state.slots.push({ name: 'dense/kernel/extra', variable: 'dense/kernel', slot: 'extra' });
      await replaceVerified(path!, 'optimizer.json', Buffer.from(JSON.stringify(state)), 1);
      const withExtra = await inspectCheckpoint(path!);
      assert.deepEqual(withExtra.problems, []);
      const slot = (name: string) => withExtra.optimizer?.slots.find((s) => s.name === name);
      assert.deepEqual([slot('dense/kernel/extra')?.dtype, slot('dense/kernel/extra')?.shape], [null, null]);
      assert.deepEqual([slot('dense/kernel/m')?.dtype, slot('dense/kernel/m')?.shape], ['float32', [3, 2]]);
      // optimizer.safetensors left out of the manifest: every slot without a tensor.
      const manifestPath = join(path!, 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
      manifest.files = manifest.files.filter((f: { path: string }) => f.path !== 'optimizer.safetensors');
      await writeFile(manifestPath, JSON.stringify(manifest));
      const unlisted = await inspectCheckpoint(path!);
      assert.deepEqual(unlisted.problems, []);
      assert.deepEqual(
        new Set(unlisted.optimizer?.slots.map((s) => JSON.stringify([s.dtype, s.shape]))),
        new Set(['[null,null]']),
      );
    });
  });
});

describe('readSafetensorsHeader: partial and short reads', () => {
  it('reads a header that arrives three bytes at a time', async () => {
    await withTempDir(async (real) => {
      await saveInOrder(real, [3]);
      const v = virtualFs(real);
      patchRead(
        v,
        (read) =>
          ((buffer: Buffer, offset: number, length: number, position: number) =>
            read(buffer, offset, Math.min(length, 3), position)) as Handle['read'],
      );
      const header = await readSafetensorsHeader(
        join(v.root, 'checkpoints', 'checkpoint-3', 'model.safetensors'),
        v.fs,
      );
      assert.deepEqual(header.tensors.map((t) => t.name).sort(), ['counter', 'dense/bias', 'dense/kernel']);
    });
  });

  it('a file that ends early while its header is read is "truncated", naming the byte', async () => {
    await withTempDir(async (real) => {
      await saveInOrder(real, [3]);
      const v = virtualFs(real);
      // The file ends 4 bytes into its JSON header.
      patchRead(
        v,
        (read) =>
          (async (buffer: Buffer, offset: number, length: number, position: number) => {
            if (position >= 12) return { bytesRead: 0, buffer };
            return read(buffer, offset, Math.min(length, 12 - position), position);
          }) as Handle['read'],
      );
      const file = join(v.root, 'checkpoints', 'checkpoint-3', 'model.safetensors');
      await assert.rejects(readSafetensorsHeader(file, v.fs), { message: `${file}: truncated (ended at byte 12)` });
      assert.equal(v.openHandles(), 0);
    });
  });
});
