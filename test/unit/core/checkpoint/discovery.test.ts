import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { discoverCheckpoints, latestValid } from '../../../../src/core/checkpoint/discovery';
import { listCheckpoints } from '../../../../src/core/checkpoint/list';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { makeContent, managerOptions, setCheckpointTime, withTempDir } from './helpers';

/** Saves the steps in order, one second apart (explicit mtimes: the test does not depend on clock resolution). */
async function saveSteps(dir: string, steps: number[], startSecond = 0): Promise<Record<number, string>> {
  const manager = new CheckpointManager(dir, managerOptions());
  const paths: Record<number, string> = {};
  for (const [i, step] of steps.entries()) {
    const pending = await manager.save(makeContent(step));
    await pending.done;
    await setCheckpointTime(pending.path, startSecond + i);
    paths[step] = pending.path;
  }
  return paths;
}

describe('checkpoint discovery', () => {
  it('picks the most recently written checkpoint, not the highest step: 300, 100, 200 → 200', async () => {
    await withTempDir(async (dir) => {
      await saveSteps(dir, [300, 100, 200]);
      const found = await discoverCheckpoints(dir);
      assert.deepEqual(
        found.map((c) => c.name),
        ['checkpoint-200', 'checkpoint-100', 'checkpoint-300'],
      );
      assert.equal(latestValid(found)?.name, 'checkpoint-200');
    });
  });

  it('orders by modification time before the save counter', async () => {
    await withTempDir(async (dir) => {
      const paths = await saveSteps(dir, [100, 200]);
      await setCheckpointTime(paths[100]!, 50); // the first save (counter 1) was touched last
      assert.equal(latestValid(await discoverCheckpoints(dir))?.name, 'checkpoint-100');
    });
  });

  it('breaks equal modification times by the save counter kept in the run folder', async () => {
    await withTempDir(async (dir) => {
      const paths = await saveSteps(dir, [500, 100]);
      await setCheckpointTime(paths[500]!, 7);
      await setCheckpointTime(paths[100]!, 7);
      const found = await discoverCheckpoints(dir);
      assert.deepEqual(
        found.map((c) => [c.name, c.saveCounter]),
        [
          ['checkpoint-100', 2],
          ['checkpoint-500', 1],
        ],
      );
      // A second session continues the counter from checkpoints/.save-counter.
      const next = new CheckpointManager(dir, managerOptions());
      const pending = await next.save(makeContent(50));
      await pending.done;
      await setCheckpointTime(pending.path, 7);
      assert.deepEqual((await discoverCheckpoints(dir)).map((c) => [c.name, c.saveCounter])[0], ['checkpoint-50', 3]);
    });
  });

  it('finds none in a missing folder, an empty one, or one with only invalid checkpoints', async () => {
    await withTempDir(async (dir) => {
      assert.deepEqual(await discoverCheckpoints(join(dir, 'missing')), []);
      await mkdir(join(dir, 'checkpoints'));
      assert.deepEqual(await discoverCheckpoints(dir), []);
      await mkdir(join(dir, 'checkpoints', 'checkpoint-10'));
      await mkdir(join(dir, 'checkpoints', 'checkpoint-20'));
      await writeFile(join(dir, 'checkpoints', 'checkpoint-20', 'model.safetensors'), 'partial');
      const found = await discoverCheckpoints(dir);
      assert.equal(found.length, 2);
      assert.equal(latestValid(found), null);
      const rows = await listCheckpoints(dir);
      assert.deepEqual(rows.map((r) => [r.name, r.valid, r.latest]).sort(), [
        ['checkpoint-10', false, false],
        ['checkpoint-20', false, false],
      ]);
    });
  });

  it('skips a newer invalid checkpoint for an older valid one', async () => {
    await withTempDir(async (dir) => {
      await saveSteps(dir, [100]);
      const broken = join(dir, 'checkpoints', 'checkpoint-200');
      await mkdir(broken);
      await writeFile(join(broken, 'model.safetensors'), 'half-written');
      const rows = await listCheckpoints(dir);
      assert.deepEqual(
        rows.map((r) => [r.name, r.valid, r.latest]),
        [
          ['checkpoint-200', false, false],
          ['checkpoint-100', true, true],
        ],
      );
      assert.deepEqual(rows[0]!.problems, [`${join(broken, 'manifest.json')}: missing (the save never completed)`]);
    });
  });

  it('never lists temporary folders of interrupted saves', async () => {
    await withTempDir(async (dir) => {
      await saveSteps(dir, [100]);
      await mkdir(join(dir, 'checkpoints', '.tmp-checkpoint-200-1-1'));
      assert.deepEqual(
        (await listCheckpoints(dir)).map((r) => r.name),
        ['checkpoint-100'],
      );
    });
  });

  it('lists rows in the exact `checkpoints --json` shape from the run folder or its checkpoints folder', async () => {
    await withTempDir(async (dir) => {
      await saveSteps(dir, [10, 20]);
      const rows = await listCheckpoints(dir);
      assert.deepEqual(await listCheckpoints(join(dir, 'checkpoints')), rows);
      const row = rows[0]!;
      assert.deepEqual(Object.keys(row), [
        'path',
        'name',
        'step',
        'mtimeMs',
        'valid',
        'latest',
        'problems',
        'optimizer',
        'scheduler',
        'trainer',
      ]);
      assert.deepEqual(row.trainer, { loss: 1 / 21, bestCheckpoint: null });
      assert.equal(row.path, join(dir, 'checkpoints', 'checkpoint-20'));
      assert.equal(row.step, 20);
      assert.equal(row.mtimeMs, Date.UTC(2026, 0, 1) + 1000);
      assert.deepEqual(row.optimizer, {
        type: 'adam',
        hyperparameters: { learning_rate: 0.001 * 1.02, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
        iterations: 20,
        slotKinds: ['m', 'v'],
        variables: 2,
        bytes: row.optimizer!.bytes,
      });
      assert.ok(row.optimizer!.bytes > 4 * 16);
      assert.deepEqual(row.scheduler, makeContent(20).scheduler);
      assert.deepEqual(
        rows.map((r) => r.latest),
        [true, false],
      );
    });
  });
});
