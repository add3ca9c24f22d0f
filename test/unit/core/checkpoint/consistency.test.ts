import assert from 'node:assert/strict';
import { readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../../../../src/core/checkpoint/errors';
import { inspectCheckpoint } from '../../../../src/core/checkpoint/inspect';
import { listCheckpoints } from '../../../../src/core/checkpoint/list';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { encodeSafetensors } from '../../../../src/core/checkpoint/safetensors';
import { makeContent, managerOptions, replaceVerified, setCheckpointTime, withTempDir } from './helpers';

const FULL = { restoreOptimizer: true, restoreScheduler: true, weightsDtype: 'float32' as const };

/** Checkpoints of `steps`, written in that order (the last is the newest); returns their paths by step. Float32 weights only. */
async function checkpoints(dir: string, steps: number[]): Promise<Record<number, string>> {
  const manager = new CheckpointManager(dir, managerOptions());
  const paths: Record<number, string> = {};
  for (const [i, step] of steps.entries()) {
    const content = makeContent(step);
    delete content.weights['counter'];
    const saved = await (await manager.save(content)).done;
    await setCheckpointTime(saved.path, i);
    paths[step] = saved.path;
  }
  return paths;
}

describe('consistency checks at save and at load', () => {
  it('a trainer_state.json whose global_step (5) disagrees with the manifest (500): resume falls back to 400', async () => {
    await withTempDir(async (dir) => {
      const paths = await checkpoints(dir, [300, 400, 500]);
      const state = JSON.parse(await readFile(join(paths[500]!, 'trainer_state.json'), 'utf8'));
      await replaceVerified(
        paths[500]!,
        'trainer_state.json',
        Buffer.from(JSON.stringify({ ...state, global_step: 5 })),
        2,
      );
      const resumed = await new CheckpointManager(dir, managerOptions()).resume(true, FULL);
      assert.equal(resumed?.target.name, 'checkpoint-400');
      assert.equal(resumed?.content.trainerState.global_step, 400);
      assert.match(
        resumed?.target.skipped[0]?.reason ?? '',
        /trainer_state\.json: global_step 5 disagrees with the checkpoint's step 500/,
      );
      // Listing and inspect say so too, and retention (which keeps only valid checkpoints) never counts it.
      const row = (await listCheckpoints(dir)).find((r) => r.name === 'checkpoint-500');
      assert.equal(row?.valid, false);
      assert.match(
        (await inspectCheckpoint(paths[500]!, { verify: true })).problems.join('; '),
        /global_step 5 disagrees with the checkpoint's step 500/,
      );
    });
  });

  it('int32 weights where the model has float32: passed over; named explicitly, refused with exit 2', async () => {
    await withTempDir(async (dir) => {
      const paths = await checkpoints(dir, [100, 200]);
      const asInt = encodeSafetensors({
        'dense/kernel': { dtype: 'int32', shape: [3, 2], data: new Int32Array(6) },
        'dense/bias': { dtype: 'int32', shape: [2], data: new Int32Array(2) },
      });
      await replaceVerified(paths[200]!, 'model.safetensors', Buffer.concat(asInt), 1);
      const resumed = await new CheckpointManager(dir, managerOptions()).resume(true, FULL);
      assert.equal(resumed?.target.name, 'checkpoint-100');
      assert.match(
        resumed?.target.skipped[0]?.reason ?? '',
        /weight "dense\/bias" is int32, the model's weights are float32/,
      );
      await assert.rejects(
        new CheckpointManager(dir, managerOptions()).resume(paths[200]!, FULL),
        (e: unknown) => e instanceof CheckpointError && e.exitCode === 2,
      );
    });
  });

  it('a malformed but correctly checksummed model.safetensors falls back like a checksum failure', async () => {
    await withTempDir(async (dir) => {
      const paths = await checkpoints(dir, [100, 200]);
      await replaceVerified(
        paths[200]!,
        'model.safetensors',
        Buffer.from('\x10\x00\x00\x00\x00\x00\x00\x00{"a":{"dtype":1}}'),
        1,
      );
      const warnings: string[] = [];
      const resumed = await new CheckpointManager(dir, managerOptions(), { onWarning: (m) => warnings.push(m) }).resume(
        true,
        FULL,
      );
      assert.equal(resumed?.target.name, 'checkpoint-100');
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0]!,
        /skipping checkpoint .*checkpoint-200 for resume: checkpoint .*checkpoint-200 cannot be loaded: .*model\.safetensors/,
      );
    });
  });

  it('optimizer iterations or scheduler steps beyond 2^53 fail the save: nothing is written that a resume would refuse', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      const huge = makeContent(7);
      huge.optimizer!.state.iterations = 2 ** 53 + 2;
      await assert.rejects(
        (await manager.save(huge)).done,
        /refusing to save checkpoint-7: optimizer\.json: iterations 9007199254740994 is not a whole number between 0 and 2\^53/,
      );
      const skewed = makeContent(8);
      skewed.scheduler!.step = 2 ** 60;
      skewed.trainerState.global_step = 3;
      await assert.rejects(
        (await manager.save(skewed)).done,
        /global_step 3 disagrees with the checkpoint's step 8; scheduler\.json: step/,
      );
      await assert.rejects(readdir(join(dir, 'checkpoints')), { code: 'ENOENT' }); // not even the folder was made
    });
  });

  it('with restore_optimizer_state false, a deleted optimizer.safetensors does not make resume skip the newest checkpoint', async () => {
    await withTempDir(async (dir) => {
      const paths = await checkpoints(dir, [100, 200]);
      await unlink(join(paths[200]!, 'optimizer.safetensors'));
      const manager = new CheckpointManager(dir, managerOptions());
      const weightsOnly = await manager.resume(true, { ...FULL, restoreOptimizer: false });
      assert.equal(weightsOnly?.target.name, 'checkpoint-200');
      assert.deepEqual(weightsOnly?.target.skipped, []);
      assert.equal(weightsOnly?.content.optimizer, undefined);
      assert.equal(
        (await manager.resolveResume(true, { restoreOptimizer: false, restoreScheduler: true }))?.name,
        'checkpoint-200',
      );
      // Restoring the optimizer needs the file: then it is damage, and resume falls back.
      const full = await manager.resume(true, FULL);
      assert.equal(full?.target.name, 'checkpoint-100');
      assert.match(full?.target.skipped[0]?.reason ?? '', /optimizer\.safetensors: missing \(listed in the manifest\)/);
    });
  });
});
