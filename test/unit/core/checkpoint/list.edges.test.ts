/** Listing edges: a missing folder, an invalid checkpoint's row, manifest identities and index entries. */
import assert from 'node:assert/strict';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ReaderIoError } from '../../../../src/core/checkpoint/errors';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { currentManifestIdentity, listCheckpoints, toIndexEntry } from '../../../../src/core/checkpoint/list';
import { fsWith, saveInOrder, systemError, withTempDir } from './helpers';

describe('listing edges', () => {
  it('a folder that does not exist lists no checkpoint', async () => {
    await withTempDir(async (dir) => {
      assert.deepEqual(await listCheckpoints(join(dir, 'nothing-here')), []);
    });
  });

  it("an invalid checkpoint's row shows its problems and nothing read from its files", async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [4]);
      await unlink(join(path!, 'model.safetensors'));
      const [row] = await listCheckpoints(dir);
      assert.deepEqual(
        [row?.valid, row?.latest, row?.optimizer, row?.scheduler, row?.trainer, row?.problems],
        [false, false, null, null, null, [`${join(path!, 'model.safetensors')}: missing (listed in the manifest)`]],
      );
    });
  });

  it("a manifest's identity: null when missing, a ReaderIoError when the reader fails", async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [4]);
      assert.equal(typeof (await currentManifestIdentity(fsWith({}), path!))?.ino, 'number');
      assert.equal(await currentManifestIdentity(fsWith({}), join(dir, 'none')), null);
      const failing = fsWith({
        lstat: (async () => {
          throw systemError('EIO', 'i/o error');
        }) as CheckpointFs['lstat'],
      });
      await assert.rejects(currentManifestIdentity(failing, path!), (e: unknown) => e instanceof ReaderIoError);
    });
  });

  it('a row without a manifest identity makes no index entry', () => {
    const info = {
      path: '/r/checkpoints/checkpoint-1',
      name: 'checkpoint-1',
      step: 1,
      mtimeMs: 5,
      valid: true,
      latest: true,
      problems: [],
      optimizer: null,
      scheduler: null,
      trainer: null,
    };
    assert.equal(toIndexEntry({ info, saveCounter: 1, manifestIdentity: null }), null);
    const identity = { ino: 1, size: 2, mtimeMs: 5, ctimeMs: 6 };
    assert.deepEqual(toIndexEntry({ info, saveCounter: 1, manifestIdentity: identity }), {
      manifest: identity,
      name: 'checkpoint-1',
      step: 1,
      mtimeMs: 5,
      saveCounter: 1,
      optimizer: null,
      scheduler: null,
      trainer: null,
    });
  });
});
