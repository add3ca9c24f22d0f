/** prune-optimizer's edges: the bytes it reports, earlier removals kept, files gone meanwhile, failures that stop it. */
import assert from 'node:assert/strict';
import { lstat, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { pruneOptimizerState } from '../../../../src/core/checkpoint/pruneOptimizer';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { fsWith, makeContent, managerOptions, saveInOrder, systemError, withTempDir } from './helpers';

type Entry = { path: string; size: number };

async function manifestOf(checkpoint: string): Promise<{ files: Entry[]; removed_on_purpose?: string[] }> {
  return JSON.parse(await readFile(join(checkpoint, 'manifest.json'), 'utf8'));
}

describe('prune-optimizer edges', () => {
  it('reports the bytes of exactly the optimizer files it removed, and keeps every other entry as it was', async () => {
    await withTempDir(async (dir) => {
      const [checkpoint] = await saveInOrder(dir, [100]);
      const before = await manifestOf(checkpoint!);
      const size = (name: string) => before.files.find((f) => f.path === name)!.size;
      const result = await pruneOptimizerState(checkpoint!);
      assert.equal(result.bytes, size('optimizer.safetensors') + size('optimizer.json'));
      const after = await manifestOf(checkpoint!);
      assert.deepEqual(
        after.files,
        before.files.filter((f) => f.path !== 'optimizer.safetensors' && f.path !== 'optimizer.json'),
      );
    });
  });

  it('adds to an earlier removed_on_purpose list without repeating a name', async () => {
    await withTempDir(async (dir) => {
      const [checkpoint] = await saveInOrder(dir, [100]);
      const manifestPath = join(checkpoint!, 'manifest.json');
      const manifest = await manifestOf(checkpoint!);
      await writeFile(
        manifestPath,
        JSON.stringify({ ...manifest, removed_on_purpose: ['extra.bin', 'optimizer.json'] }),
      );
      await pruneOptimizerState(checkpoint!);
      assert.deepEqual((await manifestOf(checkpoint!)).removed_on_purpose, [
        'extra.bin',
        'optimizer.json',
        'optimizer.safetensors',
      ]);
    });
  });

  it('an optimizer file deleted meanwhile (ENOENT) is no failure; any other unlink error is, after the manifest no longer lists it', async () => {
    await withTempDir(async (dir) => {
      const [first, second] = await saveInOrder(dir, [100, 200]);
      const failing = (code: string): CheckpointFs =>
        fsWith({
          unlink: (async (path: string) => {
            throw systemError(code, `unlink '${path}'`);
          }) as CheckpointFs['unlink'],
        });
      const gone = await pruneOptimizerState(first!, failing('ENOENT'));
      assert.deepEqual(gone.removed, ['optimizer.safetensors', 'optimizer.json']);
      await assert.rejects(pruneOptimizerState(second!, failing('EACCES')), { code: 'EACCES' });
      // The manifest was rewritten first: the checkpoint stays valid, the files are only unlisted.
      const validation = await validateCheckpoint(second!, { verifyChecksums: true });
      assert.deepEqual(validation.problems, []);
      assert.deepEqual(validation.manifest?.removed_on_purpose, ['optimizer.safetensors', 'optimizer.json']);
    });
  });

  it('reads the checkpoint through the given fs', async () => {
    await withTempDir(async (dir) => {
      const [checkpoint] = await saveInOrder(dir, [100]);
      let lstats = 0;
      const counting = fsWith({ lstat: ((path: string) => (lstats++, lstat(path))) as CheckpointFs['lstat'] });
      await pruneOptimizerState(checkpoint!, counting);
      assert.ok(lstats > 0, 'validation went through the injected fs');
    });
  });

  it('refuses a checkpoint with a manifest but missing files, naming every problem', async () => {
    await withTempDir(async (dir) => {
      const [checkpoint] = await saveInOrder(dir, [100]);
      await unlink(join(checkpoint!, 'model.safetensors'));
      await unlink(join(checkpoint!, 'scheduler.json'));
      await assert.rejects(
        pruneOptimizerState(checkpoint!),
        /is not a valid checkpoint: .*model\.safetensors: missing \(listed in the manifest\); .*scheduler\.json: missing/,
      );
      assert.equal((await manifestOf(checkpoint!)).removed_on_purpose, undefined);
    });
  });

  it('leaves the manifest of a checkpoint saved without optimizer state untouched', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions({ save_optimizer_state: false }));
      const saved = await (await manager.save(makeContent(5))).done;
      const before = await readFile(join(saved.path, 'manifest.json'), 'utf8');
      assert.deepEqual(await pruneOptimizerState(saved.path), { removed: [], bytes: 0 });
      assert.equal(await readFile(join(saved.path, 'manifest.json'), 'utf8'), before);
    });
  });
});
