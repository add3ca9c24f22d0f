import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listCheckpoints } from '../../../../src/core/checkpoint/list';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { pruneOptimizerState } from '../../../../src/core/checkpoint/pruneOptimizer';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { managerOptions, saveInOrder, withTempDir } from './helpers';

describe('optimizer state removed on purpose (prune-optimizer)', () => {
  it('is a state of its own: still valid, still the latest, and resume restoring the optimizer uses it with a warning', async () => {
    await withTempDir(async (dir) => {
      const paths = await saveInOrder(dir, [100, 200]);
      const newest = paths[1]!;
      const before = (await stat(join(newest, 'manifest.json'))).mtimeMs;
      const result = await pruneOptimizerState(newest);
      assert.deepEqual(result.removed, ['optimizer.safetensors', 'optimizer.json']);
      assert.ok(result.bytes > 0);
      assert.deepEqual((await readdir(newest)).sort(), [
        'manifest.json',
        'metadata.json',
        'model.safetensors',
        'scheduler.json',
        'trainer_state.json',
      ]);
      assert.equal(
        (await stat(join(newest, 'manifest.json'))).mtimeMs,
        before,
        'the order of checkpoints does not change',
      );
      const verified = await validateCheckpoint(newest, { verifyChecksums: true });
      assert.deepEqual(verified.problems, []);
      assert.deepEqual(verified.manifest?.removed_on_purpose, ['optimizer.safetensors', 'optimizer.json']);
      const rows = await listCheckpoints(dir);
      assert.deepEqual(
        rows.map((r) => [r.name, r.valid, r.latest, r.optimizer === null]),
        [
          ['checkpoint-200', true, true, true],
          ['checkpoint-100', true, false, false],
        ],
      );
      const resumed = await new CheckpointManager(dir, managerOptions()).resume(true, {
        restoreOptimizer: true,
        restoreScheduler: true,
      });
      assert.equal(resumed?.target.name, 'checkpoint-200');
      assert.deepEqual(resumed?.target.skipped, []);
      assert.equal(resumed?.content.optimizer, undefined);
      assert.deepEqual(resumed?.warnings, [
        "checkpoint checkpoint-200's optimizer state was removed on purpose (prune-optimizer): the optimizer starts fresh (step count 0, empty moments)",
      ]);
      assert.deepEqual(await pruneOptimizerState(newest), { removed: [], bytes: 0 });
    });
  });

  it('refuses a folder that is not a valid checkpoint, changing nothing', async () => {
    await withTempDir(async (dir) => {
      await assert.rejects(pruneOptimizerState(join(dir, 'nothing')), /is not a valid checkpoint: .*does not exist/);
    });
  });
});
