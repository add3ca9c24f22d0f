/** validateCheckpoint's edges: not a folder, a stat that fails, the manifest size bound, a Hugging Face folder, unreadable folders, problems in a stable order. */
import assert from 'node:assert/strict';
import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ReaderIoError } from '../../../../src/core/checkpoint/errors';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { virtualFs } from './faultFs';
import { fsWith, saveInOrder, systemError, withTempDir } from './helpers';

describe('validateCheckpoint edges', () => {
  it('a file where the folder should be is "not a folder"; a stat failing otherwise than ENOENT is named with its error', async () => {
    await withTempDir(async (dir) => {
      const file = join(dir, 'checkpoint-1');
      await writeFile(file, 'x');
      assert.deepEqual((await validateCheckpoint(file)).problems, [`${file}: not a folder`]);
      const denied = fsWith({
        stat: (async () => {
          throw systemError('EACCES', 'permission denied');
        }) as CheckpointFs['stat'],
      });
      assert.deepEqual((await validateCheckpoint(file, { fs: denied })).problems, [
        `${file}: EACCES: permission denied`,
      ]);
      assert.deepEqual((await validateCheckpoint(join(dir, 'none'))).problems, [
        `${join(dir, 'none')}: does not exist`,
      ]);
    });
  });

  it('reads a manifest of exactly the size limit; one byte more is refused unread', async () => {
    await withTempDir(async (real) => {
      await saveInOrder(real, [1]);
      const v = virtualFs(real);
      let reported = READ_LIMITS.manifestBytes;
      v.override(
        'lstat',
        (realLstat) =>
          (async (...args: Parameters<CheckpointFs['lstat']>) => {
            const stat = await realLstat(...args);
            if (String(args[0]).endsWith('manifest.json')) stat.size = reported;
            return stat;
          }) as CheckpointFs['lstat'],
      );
      const path = join(v.root, 'checkpoints', 'checkpoint-1');
      assert.deepEqual((await validateCheckpoint(path, { fs: v.fs })).problems, []);
      reported += 1;
      const over = await validateCheckpoint(path, { fs: v.fs });
      assert.deepEqual(over.problems, [
        `${join(path, 'manifest.json')}: size is ${reported} bytes (limit ${READ_LIMITS.manifestBytes}); the file is corrupt or not what it claims to be`,
      ]);
    });
  });

  it('a folder of Hugging Face files without a manifest is named as such', async () => {
    await withTempDir(async (dir) => {
      const hf = join(dir, 'checkpoint-5');
      await mkdir(hf);
      await writeFile(join(hf, 'optimizer.pt'), 'x');
      await writeFile(join(hf, 'trainer_state.json'), '{}');
      assert.deepEqual((await validateCheckpoint(hf)).problems, [
        `${hf}: a Hugging Face Trainer checkpoint (trainer_state.json, no manifest.json), not one this trainer wrote; list its output folder to read it as such`,
      ]);
    });
  });

  it('a folder without a manifest that cannot be listed: EACCES counts as empty, EIO is a failure of the reader', async () => {
    await withTempDir(async (real) => {
      await mkdir(join(real, 'checkpoint-5'));
      await writeFile(join(real, 'checkpoint-5', 'model.safetensors'), 'x');
      const v = virtualFs(real);
      const path = join(v.root, 'checkpoint-5');
      let code = 'EACCES';
      v.override(
        'readdir',
        () =>
          (async () => {
            throw systemError(code);
          }) as unknown as CheckpointFs['readdir'],
      );
      assert.deepEqual((await validateCheckpoint(path, { fs: v.fs })).problems, [
        `${join(path, 'manifest.json')}: missing (the folder is empty)`,
      ]);
      code = 'EIO';
      await assert.rejects(
        validateCheckpoint(path, { fs: v.fs }),
        (e: unknown) => e instanceof ReaderIoError && e.code === 'EIO',
      );
    });
  });

  it('lists problems sorted, whatever order the checks finish in', async () => {
    await withTempDir(async (real) => {
      const [saved] = await saveInOrder(real, [1]);
      await unlink(join(saved!, 'model.safetensors'));
      await unlink(join(saved!, 'trainer_state.json'));
      const v = virtualFs(real);
      v.override(
        'lstat',
        (realLstat) =>
          (async (...args: Parameters<CheckpointFs['lstat']>) => {
            // The model's check finishes last.
            if (String(args[0]).endsWith('model.safetensors')) await new Promise((resolve) => setTimeout(resolve, 30));
            return realLstat(...args);
          }) as CheckpointFs['lstat'],
      );
      const path = join(v.root, 'checkpoints', 'checkpoint-1');
      assert.deepEqual((await validateCheckpoint(path, { fs: v.fs })).problems, [
        `${join(path, 'model.safetensors')}: missing (listed in the manifest)`,
        `${join(path, 'trainer_state.json')}: missing (listed in the manifest)`,
      ]);
    });
  });
});
