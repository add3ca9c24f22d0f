import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, ReaderIoError } from '../../../../src/core/checkpoint/errors';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { parseManifest } from '../../../../src/core/checkpoint/manifest';
import { filesNotNeeded, loadCheckpoint, stateFileProblems } from '../../../../src/core/checkpoint/reader';
import { virtualFs } from './faultFs';
import { makeContent, managerOptions, replaceVerified, systemError, withTempDir } from './helpers';

/** One committed checkpoint of step 10 with optimizer, scheduler and metadata; returns its folder. */
async function saved(dir: string): Promise<string> {
  return (await (await new CheckpointManager(dir, managerOptions()).save(makeContent(10))).done).path;
}
const manifestOf = async (checkpoint: string) =>
  parseManifest(await readFile(join(checkpoint, 'manifest.json'), 'utf8'), 'manifest.json');

describe('reader: what a load reads, skips and refuses', () => {
  it('files not restored are not needed: optimizer files, scheduler file, or none', () => {
    assert.deepEqual([...filesNotNeeded({ restoreOptimizer: false, restoreScheduler: true })].sort(), [
      'optimizer.json',
      'optimizer.safetensors',
    ]);
    assert.deepEqual([...filesNotNeeded({ restoreOptimizer: true, restoreScheduler: false })], ['scheduler.json']);
    assert.deepEqual([...filesNotNeeded({ restoreOptimizer: true, restoreScheduler: true })], []);
  });

  it('loads everything back (metadata too) when asked, and leaves out damaged optimizer and scheduler files it was told not to restore', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      const full = await loadCheckpoint(path, { restoreOptimizer: true, restoreScheduler: true });
      assert.deepEqual(full.warnings, []);
      assert.deepEqual(full.content.metadata, { run: 'test' });
      assert.equal(full.content.scheduler?.type, 'cosine');
      assert.deepEqual(Object.keys(full.content.optimizer?.tensors ?? {}).sort(), [
        'dense/bias/m',
        'dense/bias/v',
        'dense/kernel/m',
        'dense/kernel/v',
      ]);
      await writeFile(join(path, 'optimizer.safetensors'), 'damaged');
      await writeFile(join(path, 'scheduler.json'), 'damaged');
      const weightsOnly = await loadCheckpoint(path, { restoreOptimizer: false, restoreScheduler: false });
      assert.equal(weightsOnly.content.optimizer, undefined);
      assert.equal(weightsOnly.content.scheduler, undefined);
      assert.deepEqual(weightsOnly.warnings, []);
      assert.equal(weightsOnly.content.trainerState.global_step, 10);
      await assert.rejects(
        loadCheckpoint(path, { restoreOptimizer: true, restoreScheduler: false }),
        (e: unknown) => e instanceof CheckpointError && e.exitCode === 2 && /optimizer\.safetensors/.test(e.message),
      );
      await assert.rejects(
        loadCheckpoint(path, { restoreOptimizer: false, restoreScheduler: true }),
        (e: unknown) => e instanceof CheckpointError && e.exitCode === 2 && /scheduler\.json/.test(e.message),
      );
    });
  });

  it('an optimizer state naming a slot the tensors lack is refused with exit 2, naming both files and the slot', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      const state = JSON.parse(await readFile(join(path, 'optimizer.json'), 'utf8'));
      state.slots.push({ name: 'dense/kernel/extra', variable: 'dense/kernel', slot: 'extra' });
      await replaceVerified(path, 'optimizer.json', Buffer.from(JSON.stringify(state)), 1);
      await assert.rejects(loadCheckpoint(path, { restoreOptimizer: true, restoreScheduler: true }), (e: unknown) => {
        assert.ok(e instanceof CheckpointError);
        assert.equal(e.exitCode, 2);
        assert.equal(
          e.message,
          `${join(path, 'optimizer.safetensors')}: missing slot tensors dense/kernel/extra listed in optimizer.json`,
        );
        return true;
      });
    });
  });

  it('metadata that is not JSON fails the load naming metadata.json (its checksum being right)', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      await replaceVerified(path, 'metadata.json', Buffer.from('{not json'), 1);
      await assert.rejects(
        loadCheckpoint(path, { restoreOptimizer: true, restoreScheduler: true }),
        (e: unknown) =>
          e instanceof CheckpointError &&
          e.exitCode === 2 &&
          e.message.startsWith(`checkpoint ${path} cannot be loaded: ${join(path, 'metadata.json')}: not valid JSON`),
      );
    });
  });

  it('stateFileProblems names each unparseable state file, a step disagreement and a trainer state left out of the manifest', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      assert.deepEqual(await stateFileProblems(path, await manifestOf(path)), []);
      await replaceVerified(path, 'scheduler.json', Buffer.from('{"type": 1}'), 1);
      await replaceVerified(path, 'metadata.json', Buffer.from('[oops'), 1);
      const trainer = JSON.parse(await readFile(join(path, 'trainer_state.json'), 'utf8'));
      await replaceVerified(
        path,
        'trainer_state.json',
        Buffer.from(JSON.stringify({ ...trainer, global_step: 11 })),
        1,
      );
      const manifest = await manifestOf(path);
      const problems = await stateFileProblems(path, manifest);
      assert.equal(problems.length, 3, problems.join('\n'));
      assert.equal(
        problems[0],
        `${join(path, 'trainer_state.json')}: global_step 11 disagrees with the checkpoint's step 10`,
      );
      assert.match(problems[1]!, new RegExp(`^${join(path, 'scheduler.json').replace(/[.]/g, '\\.')}: field "type": `));
      assert.match(problems[2]!, new RegExp(`^${join(path, 'metadata.json').replace(/[.]/g, '\\.')}: not valid JSON`));
      const withoutTrainer = { ...manifest, files: manifest.files.filter((f) => f.path !== 'trainer_state.json') };
      assert.deepEqual((await stateFileProblems(path, withoutTrainer)).slice(0, 1), [
        `${join(path, 'trainer_state.json')}: missing from the checkpoint`,
      ]);
    });
  });

  it('stateFileProblems reads through the injected fs and lets a machine failure through as a ReaderIoError', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir);
      const manifest = await manifestOf(path);
      const virtual = virtualFs(dir);
      const virtualPath = join(virtual.root, 'checkpoints', 'checkpoint-10');
      assert.deepEqual(await stateFileProblems(virtualPath, manifest, virtual.fs), []);
      virtual.override('readFile', () => (async () => Promise.reject(systemError('EIO', 'i/o error'))) as never);
      virtual.override('open', () => (async () => Promise.reject(systemError('EIO', 'i/o error'))) as never);
      await assert.rejects(stateFileProblems(virtualPath, manifest, virtual.fs), ReaderIoError);
    });
  });
});
