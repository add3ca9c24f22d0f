import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspectCheckpoint } from '../../../../src/core/checkpoint/inspect';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { virtualFs } from './faultFs';
import { makeContent, managerOptions, withTempDir } from './helpers';

describe('inspectCheckpoint', () => {
  it('describes model, optimizer slots, scheduler, trainer state and metadata from headers, through the injected fs', async () => {
    await withTempDir(async (real) => {
      await (
        await new CheckpointManager(real, managerOptions()).save(makeContent(7))
      ).done;
      const v = virtualFs(real);
      const path = join(v.root, 'checkpoints', 'checkpoint-7');
      const inspection = await inspectCheckpoint(path, { fs: v.fs, verify: true });
      assert.deepEqual(
        [inspection.name, inspection.valid, inspection.verified, inspection.problems],
        ['checkpoint-7', true, true, []],
      );
      assert.equal(
        inspection.totalBytes,
        inspection.files.reduce((n, f) => n + f.size, 0),
      );
      assert.ok(inspection.totalBytes > 0);
      assert.deepEqual(inspection.model?.tensors, [
        { name: 'dense/kernel', dtype: 'float32', shape: [3, 2] },
        { name: 'dense/bias', dtype: 'float32', shape: [2] },
        { name: 'counter', dtype: 'int32', shape: [] },
      ]);
      assert.equal(inspection.model?.parameters, 6 + 2 + 1);
      assert.equal(inspection.model?.bytes, inspection.files.find((f) => f.path === 'model.safetensors')?.size);
      assert.deepEqual(inspection.optimizer?.slots[0], {
        name: 'dense/kernel/m',
        variable: 'dense/kernel',
        slot: 'm',
        dtype: 'float32',
        shape: [3, 2],
      });
      assert.deepEqual(inspection.optimizer?.extra, makeContent(7).optimizer?.state.extra);
      assert.equal(inspection.scheduler?.step, 7);
      assert.equal(inspection.trainerState?.global_step, 7);
      assert.deepEqual(inspection.metadata, { run: 'test' });
      assert.equal(v.openHandles(), 0);
      assert.equal((await inspectCheckpoint(path, { fs: v.fs })).verified, false);
    });
  });

  it('shows what it can of a damaged checkpoint, each unreadable part a problem', async () => {
    await withTempDir(async (real) => {
      const pending = await new CheckpointManager(real, managerOptions()).save(makeContent(7));
      await pending.done;
      await writeFile(join(pending.path, 'metadata.json'), '{"cut');
      await writeFile(join(pending.path, 'model.safetensors'), Buffer.alloc(4));
      const inspection = await inspectCheckpoint(pending.path);
      assert.equal(inspection.valid, false);
      assert.equal(inspection.model, null);
      assert.equal(inspection.metadata, null);
      assert.equal(inspection.trainerState?.global_step, 7);
      assert.ok(
        inspection.problems.some((p) => p.includes('model.safetensors')),
        inspection.problems.join('\n'),
      );
      assert.ok(
        inspection.problems.some((p) => /JSON/.test(p)),
        inspection.problems.join('\n'),
      );
    });
  });

  it('a folder without a manifest has no parts and says why', async () => {
    await withTempDir(async (real) => {
      const inspection = await inspectCheckpoint(join(real, 'checkpoint-1'));
      assert.deepEqual(
        [inspection.valid, inspection.files, inspection.totalBytes, inspection.model, inspection.optimizer],
        [false, [], 0, null, null],
      );
      assert.deepEqual(inspection.problems, [`${join(real, 'checkpoint-1')}: does not exist`]);
    });
  });
});
