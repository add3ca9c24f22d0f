import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { fsWith, makeContent, managerOptions, systemError, withTempDir } from './helpers';

const restoreAll = { restoreOptimizer: true, restoreScheduler: true };

describe('CheckpointManager save and load', () => {
  it('round-trips weights, optimizer and scheduler state exactly (learning rate, step count, Adam beta powers)', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      const content = makeContent(300, { lr: 0.000123456789 });
      const pending = await manager.save(content);
      const result = await pending.done;
      assert.equal(result.path, join(dir, 'checkpoints', 'checkpoint-300'));
      assert.equal(result.step, 300);
      const { content: back, warnings } = await manager.load(pending.path, restoreAll);
      assert.deepEqual(warnings, []);
      assert.deepEqual(back, makeContent(300, { lr: 0.000123456789 }));
      assert.equal(back.optimizer!.state.hyperparameters.learning_rate, 0.000123456789);
      assert.equal(back.scheduler!.last_lr, 0.000123456789);
      assert.equal(back.optimizer!.state.iterations, 300);
      assert.equal(back.optimizer!.state.extra.accBeta1, 0.9 ** 301);
      assert.deepEqual(Object.keys(back.optimizer!.tensors), [
        'dense/kernel/m',
        'dense/bias/m',
        'dense/kernel/v',
        'dense/bias/v',
      ]);
    });
  });

  it('returns before the background write finishes, and flush waits for it', async () => {
    await withTempDir(async (dir) => {
      let releaseWrite!: () => void;
      const gate = new Promise<void>((resolve) => (releaseWrite = resolve));
      const slowFs = fsWith({
        mkdir: (async (...args: Parameters<typeof nodeFs.mkdir>) => {
          if (String(args[0]).includes('.tmp-')) await gate;
          return nodeFs.mkdir(...args);
        }) as typeof nodeFs.mkdir,
      });
      const manager = new CheckpointManager(dir, managerOptions(), { fs: slowFs });
      const pending = await manager.save(makeContent(10));
      let finished = false;
      void pending.done.then(() => (finished = true));
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(finished, false);
      assert.equal((await validateCheckpoint(pending.path)).valid, false);
      releaseWrite();
      await manager.flush();
      assert.equal(finished, true);
      assert.equal((await validateCheckpoint(pending.path)).valid, true);
    });
  });

  it('makes the next save wait for the previous one', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      const first = await manager.save(makeContent(1));
      let firstDone = false;
      void first.done.then(() => (firstDone = true));
      await manager.save(makeContent(2));
      assert.equal(firstDone, true);
      await manager.flush();
    });
  });

  it('chains saves even when the caller does not wait for save() to return', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      const saves = await Promise.all([1, 2, 3].map((step) => manager.save(makeContent(step))));
      await Promise.all(saves.map((s) => s.done));
      const counters = await Promise.all(
        saves.map(async (s) => JSON.parse(await readFile(join(s.path, 'manifest.json'), 'utf8')).save_counter),
      );
      assert.deepEqual(counters, [1, 2, 3]);
    });
  });

  it('omits optimizer and scheduler files when their save flags are off', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(
        dir,
        managerOptions({ save_optimizer_state: false, save_scheduler_state: false }),
      );
      const pending = await manager.save(makeContent(5));
      await pending.done;
      assert.deepEqual((await readdir(pending.path)).sort(), [
        'manifest.json',
        'metadata.json',
        'model.safetensors',
        'trainer_state.json',
      ]);
      const { content, warnings } = await manager.load(pending.path, restoreAll);
      assert.equal(content.optimizer, undefined);
      assert.equal(content.scheduler, undefined);
      assert.deepEqual(warnings, [
        'checkpoint checkpoint-5 has no optimizer state (optimizer.json, optimizer.safetensors): the optimizer starts fresh (step count 0, empty moments)',
        'checkpoint checkpoint-5 has no scheduler state (scheduler.json): the learning-rate schedule starts fresh from step 0',
      ]);
    });
  });

  it('leaves optimizer and scheduler out, silently, when their restore flags are off', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      const pending = await manager.save(makeContent(5));
      await pending.done;
      const onlyOptimizer = await manager.load(pending.path, { restoreOptimizer: true, restoreScheduler: false });
      assert.ok(onlyOptimizer.content.optimizer);
      assert.equal(onlyOptimizer.content.scheduler, undefined);
      const onlyScheduler = await manager.load(pending.path, { restoreOptimizer: false, restoreScheduler: true });
      assert.equal(onlyScheduler.content.optimizer, undefined);
      assert.deepEqual(onlyScheduler.content.scheduler, makeContent(5).scheduler);
      assert.deepEqual([...onlyOptimizer.warnings, ...onlyScheduler.warnings], []);
    });
  });

  it('re-saving a name replaces the checkpoint as a whole, keeping the replaced one in abandoned-branches/ and saying so', async () => {
    await withTempDir(async (dir) => {
      const warnings: string[] = [];
      const manager = new CheckpointManager(dir, managerOptions(), { onWarning: (m) => warnings.push(m) });
      await (
        await manager.save(makeContent(100))
      ).done;
      const first = await readFile(join(dir, 'checkpoints', 'checkpoint-100', 'model.safetensors'));
      const again = makeContent(100, { lr: 0.5 });
      again.optimizer = undefined;
      const pending = await manager.save(again);
      await pending.done;
      assert.deepEqual((await readdir(join(dir, 'checkpoints'))).sort(), [
        '.index.json',
        '.save-counter',
        'checkpoint-100',
      ]);
      assert.deepEqual((await readdir(pending.path)).sort(), [
        'manifest.json',
        'metadata.json',
        'model.safetensors',
        'scheduler.json',
        'trainer_state.json',
      ]);
      const { content } = await manager.load(pending.path, { restoreOptimizer: false, restoreScheduler: true });
      assert.equal(content.scheduler!.last_lr, 0.5);
      const manifest = JSON.parse(await readFile(join(pending.path, 'manifest.json'), 'utf8'));
      assert.equal(manifest.save_counter, 2);
      // The replaced checkpoint is kept, unchanged, where abandoned branches go.
      const [branch] = await readdir(join(dir, 'abandoned-branches'));
      const kept = join(dir, 'abandoned-branches', branch!, 'checkpoint-100');
      assert.deepEqual(await readFile(join(kept, 'model.safetensors')), first);
      assert.equal(JSON.parse(await readFile(join(kept, 'manifest.json'), 'utf8')).save_counter, 1);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /checkpoint-100 was already there .*moved to .*abandoned-branches.*not overwritten/);
    });
  });

  for (const code of ['ENOSPC', 'EACCES', 'EROFS']) {
    it(`a background ${code} rejects done, removes the temp folder and deletes nothing`, async () => {
      await withTempDir(async (dir) => {
        const options = managerOptions({ save_total_limit: 1 });
        await (
          await new CheckpointManager(dir, options).save(makeContent(1))
        ).done;
        const failingFs = fsWith({
          open: (async (...args: Parameters<typeof nodeFs.open>) => {
            if (String(args[0]).endsWith('optimizer.safetensors')) throw systemError(code, String(args[0]));
            return nodeFs.open(...args);
          }) as typeof nodeFs.open,
        });
        const manager = new CheckpointManager(dir, options, { fs: failingFs });
        const pending = await manager.save(makeContent(2));
        await assert.rejects(pending.done, (e: Error & { code?: string }) => e.code === code);
        await assert.rejects(manager.flush(), (e: Error & { code?: string }) => e.code === code);
        assert.deepEqual((await readdir(join(dir, 'checkpoints'))).sort(), [
          '.index.json',
          '.save-counter',
          'checkpoint-1',
        ]);
        assert.equal(
          (await validateCheckpoint(join(dir, 'checkpoints', 'checkpoint-1'), { verifyChecksums: true })).valid,
          true,
        );
      });
    });
  }

  it('refuses to load a checkpoint whose file was corrupted, naming the file', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      const pending = await manager.save(makeContent(7));
      await pending.done;
      const model = join(pending.path, 'model.safetensors');
      const bytes = await readFile(model);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
      await nodeFs.writeFile(model, bytes);
      await assert.rejects(
        manager.load(pending.path, restoreAll),
        (e: Error & { exitCode?: number }) =>
          e.message === `${model}: crc32 checksum mismatch (file is corrupt)` && e.exitCode === 2,
      );
    });
  });
});
