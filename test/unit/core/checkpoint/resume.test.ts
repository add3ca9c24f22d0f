import assert from 'node:assert/strict';
import { open, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { CheckpointError } from '../../../../src/core/checkpoint/errors';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { makeContent, managerOptions, setCheckpointTime, withTempDir } from './helpers';

async function prepare(dir: string, steps: number[]): Promise<CheckpointManager> {
  const manager = new CheckpointManager(dir, managerOptions());
  for (const [i, step] of steps.entries()) {
    const pending = await manager.save(makeContent(step));
    await pending.done;
    await setCheckpointTime(pending.path, i);
  }
  return manager;
}

async function corrupt(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  const size = (await handle.stat()).size;
  await handle.write(Buffer.from([0x42 ^ (await readFile(path))[size - 1]!]), 0, 1, size - 1);
  await handle.close();
}

describe('resolveResume', () => {
  it('false means a fresh start', async () => {
    await withTempDir(async (dir) => {
      assert.equal(await (await prepare(dir, [100])).resolveResume(false), null);
    });
  });

  it('true finds the latest valid checkpoint by modification time', async () => {
    await withTempDir(async (dir) => {
      const target = await (await prepare(dir, [300, 100, 200])).resolveResume(true);
      assert.deepEqual(target, {
        path: join(dir, 'checkpoints', 'checkpoint-200'),
        name: 'checkpoint-200',
        step: 200,
        skipped: [],
      });
    });
  });

  it('true with no checkpoints gives a fresh start', async () => {
    await withTempDir(async (dir) => {
      assert.equal(await new CheckpointManager(dir, managerOptions()).resolveResume(true), null);
    });
  });

  it('falls back past a latest checkpoint whose checksum fails, saying so', async () => {
    await withTempDir(async (dir) => {
      const warnings: string[] = [];
      await prepare(dir, [100, 200]);
      const model = join(dir, 'checkpoints', 'checkpoint-200', 'model.safetensors');
      await corrupt(model);
      const manager = new CheckpointManager(dir, managerOptions(), { onWarning: (m) => warnings.push(m) });
      const target = await manager.resolveResume(true);
      const reason = `${model}: crc32 checksum mismatch (file is corrupt)`;
      assert.deepEqual(target, {
        path: join(dir, 'checkpoints', 'checkpoint-100'),
        name: 'checkpoint-100',
        step: 100,
        skipped: [{ path: join(dir, 'checkpoints', 'checkpoint-200'), reason }],
      });
      assert.deepEqual(warnings, [
        `skipping checkpoint ${join(dir, 'checkpoints', 'checkpoint-200')} for resume: ${reason}; falling back to the next valid one`,
      ]);
    });
  });

  it('uses an explicit path as given, even when it is not the latest', async () => {
    await withTempDir(async (dir) => {
      const manager = await prepare(dir, [100, 200]);
      const path = join(dir, 'checkpoints', 'checkpoint-100');
      assert.deepEqual(await manager.resolveResume(path), { path, name: 'checkpoint-100', step: 100, skipped: [] });
      assert.equal((await manager.resolveResume(relative(process.cwd(), path)))?.path, path);
      assert.equal((await manager.resolveResume('checkpoint-100'))?.path, path);
    });
  });

  it('an explicit missing path is an error with exit code 2, never a fresh start', async () => {
    await withTempDir(async (dir) => {
      const manager = await prepare(dir, [100]);
      const missing = join(dir, 'checkpoints', 'checkpoint-999');
      await assert.rejects(manager.resolveResume(missing), (e: unknown) => {
        assert.ok(e instanceof CheckpointError);
        assert.equal(e.exitCode, 2);
        assert.equal(
          e.message,
          `resume_from_checkpoint "${missing}" is not a valid checkpoint: ${missing}: does not exist`,
        );
        return true;
      });
    });
  });

  it('an explicit corrupt checkpoint is an error naming the file', async () => {
    await withTempDir(async (dir) => {
      const manager = await prepare(dir, [100]);
      const path = join(dir, 'checkpoints', 'checkpoint-100');
      await corrupt(join(path, 'optimizer.safetensors'));
      await assert.rejects(manager.resolveResume(path), /optimizer\.safetensors: crc32 checksum mismatch/);
    });
  });
});
