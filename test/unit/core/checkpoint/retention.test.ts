import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { selectForDeletion } from '../../../../src/core/checkpoint/retention';
import { fsWith, makeContent, managerOptions, setCheckpointTime, withTempDir } from './helpers';

const names = async (dir: string) =>
  (await readdir(join(dir, 'checkpoints'))).filter((n) => n.startsWith('checkpoint-')).sort();

describe('retention', () => {
  it('with a limit of 2 over 300, 100, 200 plus a new save, deletes exactly 100 and 300', async () => {
    await withTempDir(async (dir) => {
      const unlimited = new CheckpointManager(dir, managerOptions());
      for (const [i, step] of [300, 100, 200].entries()) {
        const pending = await unlimited.save(makeContent(step));
        await pending.done;
        await setCheckpointTime(pending.path, i);
      }
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 2 }));
      const result = await (await manager.save(makeContent(50))).done;
      assert.deepEqual(result.deleted, ['checkpoint-100', 'checkpoint-300']);
      assert.deepEqual(await names(dir), ['checkpoint-200', 'checkpoint-50']);
    });
  });

  it('deletes one checkpoint per save once the limit is reached, oldest first', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 2 }));
      const deletions: string[][] = [];
      for (const step of [1, 2, 3, 4]) deletions.push((await (await manager.save(makeContent(step))).done).deleted);
      assert.deepEqual(deletions, [[], [], ['checkpoint-1'], ['checkpoint-2']]);
      assert.deepEqual(await names(dir), ['checkpoint-3', 'checkpoint-4']);
    });
  });

  it('keeps keep_every_steps multiples outside the limit', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 1, keep_every_steps: 20 }));
      const deletions: string[][] = [];
      for (const step of [10, 20, 30, 40, 50])
        deletions.push((await (await manager.save(makeContent(step))).done).deleted);
      assert.deepEqual(deletions, [[], [], ['checkpoint-10'], [], ['checkpoint-30']]);
      assert.deepEqual(await names(dir), ['checkpoint-20', 'checkpoint-40', 'checkpoint-50']);
    });
  });

  it('keeps everything with save_total_limit null', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: null }));
      for (const step of [1, 2, 3]) assert.deepEqual((await (await manager.save(makeContent(step))).done).deleted, []);
      assert.equal((await names(dir)).length, 3);
    });
  });

  it('protects the best checkpoint across a resume, recorded in the trainer state', async () => {
    await withTempDir(async (dir) => {
      const options = managerOptions({ save_total_limit: 2, metric_for_best_model: 'loss', greater_is_better: false });
      const first = new CheckpointManager(dir, options);
      for (const [step, loss] of [
        [100, 0.9],
        [200, 0.2],
        [300, 0.5],
      ] as const)
        await (
          await first.save(makeContent(step, { loss }))
        ).done;
      assert.deepEqual(await names(dir), ['checkpoint-200', 'checkpoint-300']);
      const state = JSON.parse(
        await readFile(join(dir, 'checkpoints', 'checkpoint-300', 'trainer_state.json'), 'utf8'),
      );
      assert.deepEqual(
        [state.best_checkpoint, state.best_metric, state.best_metric_name],
        ['checkpoint-200', 0.2, 'loss'],
      );

      const resumed = new CheckpointManager(dir, options);
      const target = await resumed.resolveResume(true);
      assert.equal(target?.name, 'checkpoint-300');
      await resumed.load(target!.path, { restoreOptimizer: true, restoreScheduler: true });
      const deletions: string[][] = [];
      for (const [step, loss] of [
        [400, 0.6],
        [500, 0.7],
      ] as const)
        deletions.push((await (await resumed.save(makeContent(step, { loss }))).done).deleted);
      assert.deepEqual(deletions, [['checkpoint-300'], ['checkpoint-400']]);
      assert.deepEqual(await names(dir), ['checkpoint-200', 'checkpoint-500']);
      // A better one takes over protection; the old best is then ordinary and rotates out.
      const result = await (await resumed.save(makeContent(600, { loss: 0.1 }))).done;
      assert.deepEqual(result.deleted, ['checkpoint-200']);
    });
  });

  it('honours greater_is_better and a named metric', async () => {
    await withTempDir(async (dir) => {
      const options = managerOptions({
        save_total_limit: 1,
        metric_for_best_model: 'accuracy',
        greater_is_better: true,
      });
      const manager = new CheckpointManager(dir, options);
      for (const [step, accuracy] of [
        [1, 0.5],
        [2, 0.9],
        [3, 0.7],
      ] as const) {
        const content = makeContent(step);
        content.trainerState.metrics = { accuracy };
        await (
          await manager.save(content)
        ).done;
      }
      assert.deepEqual(await names(dir), ['checkpoint-2', 'checkpoint-3']);
    });
  });

  it('does not count or delete invalid folders, and reports them once', async () => {
    await withTempDir(async (dir) => {
      const broken = join(dir, 'checkpoints', 'checkpoint-999');
      await mkdir(broken, { recursive: true });
      await writeFile(join(broken, 'model.safetensors'), 'x');
      const warnings: string[] = [];
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }), {
        onWarning: (m) => warnings.push(m),
      });
      await (
        await manager.save(makeContent(1))
      ).done;
      const result = await (await manager.save(makeContent(2))).done;
      assert.deepEqual(result.deleted, ['checkpoint-1']);
      assert.deepEqual(await names(dir), ['checkpoint-2', 'checkpoint-999']);
      assert.deepEqual(warnings, [
        `${broken} is not a valid checkpoint (not counted toward save_total_limit, not deleted): ${join(broken, 'manifest.json')}: missing (the save never completed)`,
      ]);
    });
  });

  it('without save_total_limit, reads no other checkpoint after a save', async () => {
    await withTempDir(async (dir) => {
      const first = new CheckpointManager(dir, managerOptions({ save_total_limit: null }));
      for (const step of [1, 2, 3]) await (await first.save(makeContent(step))).done;
      const manifestsRead: string[] = [];
      const counting = fsWith({
        readFile: (async (...args: Parameters<typeof nodeFs.readFile>) => {
          if (String(args[0]).endsWith('manifest.json')) manifestsRead.push(String(args[0]));
          return nodeFs.readFile(...args);
        }) as typeof nodeFs.readFile,
      });
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: null }), { fs: counting });
      await (
        await manager.save(makeContent(4))
      ).done; // learns the save counter from the manifests, once
      manifestsRead.length = 0;
      const result = await (await manager.save(makeContent(5))).done;
      assert.deepEqual(result.deleted, []);
      assert.deepEqual(manifestsRead, []);
      assert.deepEqual(await names(dir), [
        'checkpoint-1',
        'checkpoint-2',
        'checkpoint-3',
        'checkpoint-4',
        'checkpoint-5',
      ]);
    });
  });

  it('selectForDeletion keeps protected names inside the limit', () => {
    const c = (name: string, step: number) => ({ name, step });
    const newestFirst = [c('d', 4), c('c', 3), c('b', 2), c('a', 1)];
    const none = { save_total_limit: 2, keep_every_steps: null };
    assert.deepEqual(selectForDeletion(newestFirst, none, new Set(['d'])), ['b', 'a']);
    assert.deepEqual(selectForDeletion(newestFirst, none, new Set(['d', 'a'])), ['c', 'b']);
    assert.deepEqual(
      selectForDeletion(newestFirst, { save_total_limit: 1, keep_every_steps: null }, new Set(['d', 'a'])),
      ['c', 'b'],
    );
    // b and d are kept as multiples of 2, outside the limit: c fills it.
    assert.deepEqual(selectForDeletion(newestFirst, { save_total_limit: 1, keep_every_steps: 2 }, new Set(['d'])), [
      'a',
    ]);
  });
});
