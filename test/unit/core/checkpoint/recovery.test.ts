import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupLeftovers } from '../../../../src/core/checkpoint/commit';
import { discoverCheckpoints } from '../../../../src/core/checkpoint/discovery';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { ownTempName, replacedName } from '../../../../src/core/checkpoint/layout';
import { crashingRm, failRenameOnce, virtualFs } from './faultFs';
import { makeContent, managerOptions, withTempDir } from './helpers';

const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
const names = async (dir: string) => (await readdir(dir)).sort();

describe('commit and recovery under faults (every call through the injected fs)', () => {
  it('a save, retention, resume and load work through an injected fs alone: none bypasses it', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const manager = new CheckpointManager(v.root, managerOptions({ save_total_limit: 2 }), { fs: v.fs });
      for (const step of [1, 2, 3]) await (await manager.save(makeContent(step))).done;
      assert.deepEqual(await names(join(real, 'checkpoints')), [
        '.index.json',
        '.save-counter',
        'checkpoint-2',
        'checkpoint-3',
      ]);
      const found = await discoverCheckpoints(v.root, { fs: v.fs });
      assert.deepEqual(
        found.map((c) => [c.name, c.valid]),
        [
          ['checkpoint-3', true],
          ['checkpoint-2', true],
        ],
      );
      const target = await new CheckpointManager(v.root, managerOptions(), { fs: v.fs }).resolveResume(true);
      assert.equal(target?.name, 'checkpoint-3');
      assert.equal(
        (await new CheckpointManager(v.root, managerOptions(), { fs: v.fs }).resolveResume('checkpoint-2'))?.step,
        2,
      );
      const loaded = await manager.load(target!.path, { restoreOptimizer: true, restoreScheduler: true });
      assert.deepEqual(loaded.content.weights['dense/bias']?.data, Float32Array.from([3, -3]));
      assert.equal(v.openHandles(), 0, 'every opened file is closed');
    });
  });

  it('restores the old folder when the final rename of a same-name replace fails (ENOSPC once)', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const manager = new CheckpointManager(v.root, managerOptions(), { fs: v.fs });
      await (
        await manager.save(makeContent(100))
      ).done;
      const before = await manifestOf(join(real, 'checkpoints', 'checkpoint-100'));
      const rename = failRenameOnce(
        v,
        (from, to) => from.includes('.tmp-checkpoint-100') && to.endsWith('checkpoint-100'),
      );
      await assert.rejects((await manager.save(makeContent(100, { lr: 9 }))).done, { code: 'ENOSPC' });
      assert.equal(rename.failed(), true);
      assert.deepEqual(await names(join(real, 'checkpoints')), ['.index.json', '.save-counter', 'checkpoint-100']);
      assert.deepEqual(await manifestOf(join(real, 'checkpoints', 'checkpoint-100')), before);
      assert.equal(v.openHandles(), 0);
    });
  });

  it('repairs a crashed replace whose new folder landed: drops the old copy, keeps the new, and saves on', async () => {
    await withTempDir(async (real) => {
      const manager = new CheckpointManager(real, managerOptions());
      await (
        await manager.save(makeContent(100, { lr: 1 }))
      ).done;
      const checkpoints = join(real, 'checkpoints');
      // The crash came after the rename into place, before the moved-aside folder was removed.
      await mkdir(join(checkpoints, replacedName('checkpoint-100')));
      await writeFile(join(checkpoints, replacedName('checkpoint-100'), 'manifest.json'), '{"old": true}');
      const warnings: string[] = [];
      const next = new CheckpointManager(real, managerOptions(), { onWarning: (m) => warnings.push(m) });
      await (
        await next.save(makeContent(200))
      ).done;
      assert.deepEqual(await names(checkpoints), ['.index.json', '.save-counter', 'checkpoint-100', 'checkpoint-200']);
      assert.equal((await manifestOf(join(checkpoints, 'checkpoint-100'))).step, 100);
      assert.deepEqual(warnings, []);
    });
  });

  it('cleanupLeftovers: nothing to do in a missing folder; other read errors surface', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      assert.deepEqual(await cleanupLeftovers(join(v.root, 'absent'), v.fs), []);
      await writeFile(join(real, 'a-file'), 'x');
      await assert.rejects(cleanupLeftovers(join(v.root, 'a-file'), v.fs), { code: 'ENOTDIR' });
    });
  });

  it('retention renames a checkpoint out of the candidates before deleting it: a crash mid-delete leaves no half checkpoint', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const manager = new CheckpointManager(v.root, managerOptions({ save_total_limit: 1 }), { fs: v.fs });
      await (
        await manager.save(makeContent(1))
      ).done;
      const crash = crashingRm(v, (path) => path.includes('checkpoint-1') && !path.includes('.tmp-checkpoint-'));
      const warnings: string[] = [];
      const doomed = new CheckpointManager(v.root, managerOptions({ save_total_limit: 1 }), {
        fs: v.fs,
        onWarning: (m) => warnings.push(m),
      });
      const result = await (await doomed.save(makeContent(2))).done;
      assert.equal(crash.crashedOn.length, 1);
      assert.ok(crash.crashedOn[0]!.endsWith(ownTempName('delete-checkpoint-1')), crash.crashedOn[0]);
      assert.deepEqual(result.deleted, []);
      assert.match(warnings.join('\n'), /retention could not delete .*checkpoint-1: ECRASH/);
      const left = await names(join(real, 'checkpoints'));
      assert.deepEqual(left, ['.index.json', '.save-counter', ownTempName('delete-checkpoint-1'), 'checkpoint-2']);
      const found = await discoverCheckpoints(v.root, { fs: v.fs });
      assert.deepEqual(
        found.map((c) => [c.name, c.valid]),
        [['checkpoint-2', true]],
      );
      // The next save sweeps the half-deleted folder up.
      const after = new CheckpointManager(real, managerOptions({ save_total_limit: 1 }));
      await (
        await after.save(makeContent(3))
      ).done;
      assert.deepEqual(await names(join(real, 'checkpoints')), ['.index.json', '.save-counter', 'checkpoint-3']);
    });
  });
});

describe('save counter', () => {
  it('recovers from the manifests when .save-counter is lost or unreadable', async () => {
    for (const damage of ['lost', 'garbage'] as const) {
      await withTempDir(async (real) => {
        const first = new CheckpointManager(real, managerOptions());
        for (const step of [10, 20, 30]) await (await first.save(makeContent(step))).done;
        const counterFile = join(real, 'checkpoints', '.save-counter');
        assert.equal(await readFile(counterFile, 'utf8'), '3\n');
        if (damage === 'lost') await rm(counterFile);
        else await writeFile(counterFile, 'not a number');
        const v = virtualFs(real);
        const second = new CheckpointManager(v.root, managerOptions(), { fs: v.fs });
        await (
          await second.save(makeContent(5))
        ).done;
        assert.equal((await manifestOf(join(real, 'checkpoints', 'checkpoint-5'))).save_counter, 4, damage);
        assert.equal(await readFile(counterFile, 'utf8'), '4\n');
      });
    }
  });

  it('trusts a .save-counter ahead of the manifests (their checkpoints were deleted)', async () => {
    await withTempDir(async (real) => {
      await (
        await new CheckpointManager(real, managerOptions()).save(makeContent(1))
      ).done;
      await writeFile(join(real, 'checkpoints', '.save-counter'), '41\n');
      const manager = new CheckpointManager(real, managerOptions());
      await (
        await manager.save(makeContent(2))
      ).done;
      await (
        await manager.save(makeContent(3))
      ).done;
      assert.equal((await manifestOf(join(real, 'checkpoints', 'checkpoint-2'))).save_counter, 42);
      assert.equal((await manifestOf(join(real, 'checkpoints', 'checkpoint-3'))).save_counter, 43);
    });
  });

  it('a failed .save-counter update is a warning, not a failed save', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      failRenameOnce(v, (from) => from.endsWith('.save-counter.tmp'));
      const warnings: string[] = [];
      const manager = new CheckpointManager(v.root, managerOptions(), { fs: v.fs, onWarning: (m) => warnings.push(m) });
      await (
        await manager.save(makeContent(1))
      ).done;
      assert.deepEqual(warnings, [
        `could not update ${join(v.root, 'checkpoints', '.save-counter')}: ENOSPC: no space left on device, rename '${join(v.root, 'checkpoints', '.save-counter.tmp')}' -> '${join(v.root, 'checkpoints', '.save-counter')}' (manifests still carry the save counter)`,
      ]);
    });
  });
});
