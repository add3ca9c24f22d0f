import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { discoverCheckpoints } from '../../../../src/core/checkpoint/discovery';
import { ReaderIoError } from '../../../../src/core/checkpoint/errors';
import { virtualFs } from './faultFs';
import { saveInOrder, systemError, withTempDir } from './helpers';

describe('discovery: checksums on request, and a folder that cannot be looked at', () => {
  it('hashes files only when asked: a same-size corrupt file passes a plain discovery and fails a verified one', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [10]);
      const model = join(path!, 'model.safetensors');
      const bytes = await readFile(model);
      bytes[bytes.length - 1]! ^= 0xff; // tensor data, not the header: only a checksum sees it
      await writeFile(model, bytes);
      const virtual = virtualFs(dir);
      const [plain] = await discoverCheckpoints(virtual.root, { fs: virtual.fs });
      assert.equal(plain!.valid, true, plain!.problems.join('; '));
      const [verified] = await discoverCheckpoints(virtual.root, { fs: virtual.fs, verifyChecksums: true });
      assert.equal(verified!.valid, false);
      assert.deepEqual(verified!.problems, [
        `${join(verified!.path, 'model.safetensors')}: crc32 checksum mismatch (file is corrupt)`,
      ]);
    });
  });

  it('an entry gone before it could be looked at is judged by validation; a machine failure to look at it throws', async () => {
    await withTempDir(async (dir) => {
      await saveInOrder(dir, [10]);
      const virtual = virtualFs(dir);
      const folder = join(virtual.root, 'checkpoints', 'checkpoint-10');
      let failWith = 'ENOENT';
      virtual.override(
        'lstat',
        (real) =>
          (async (path: string, ...rest: unknown[]) => {
            if (path === folder) throw systemError(failWith, `lstat ${path}`);
            return (real as (...a: unknown[]) => unknown)(path, ...rest);
          }) as never,
      );
      // The folder itself is still there, so validation finds it whole.
      const [found] = await discoverCheckpoints(virtual.root, { fs: virtual.fs });
      assert.equal(found!.name, 'checkpoint-10');
      assert.equal(found!.valid, true, found!.problems.join('; '));
      failWith = 'EIO';
      await assert.rejects(
        discoverCheckpoints(virtual.root, { fs: virtual.fs }),
        (e: unknown) => e instanceof ReaderIoError && e.code === 'EIO' && e.path === folder,
      );
    });
  });
});
