/** CheckpointManager edges: retention that fails after the commit, the trainer's own best kept, resume with nothing to resume, reader failures during a load. */
import assert from 'node:assert/strict';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ReaderIoError } from '../../../../src/core/checkpoint/errors';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { virtualFs } from './faultFs';
import { makeContent, managerOptions, replaceVerified, saveInOrder, systemError, withTempDir } from './helpers';

const names = async (dir: string) =>
  (await readdir(join(dir, 'checkpoints'))).filter((n) => n.startsWith('checkpoint-')).sort();

describe('CheckpointManager edges', () => {
  it('a retention that fails after the commit is a warning: the save succeeds and nothing is deleted', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      let failing = false;
      v.override(
        'readdir',
        (realReaddir) =>
          (async (...args: Parameters<CheckpointFs['readdir']>) => {
            if (failing) throw systemError('EIO', 'i/o error, scandir');
            return realReaddir(...args);
          }) as CheckpointFs['readdir'],
      );
      const warnings: string[] = [];
      const manager = new CheckpointManager(v.root, managerOptions({ save_total_limit: 1 }), {
        fs: v.fs,
        onWarning: (m) => warnings.push(m),
        // From the second commit on, reading the folder fails (the retention that follows reads it).
        onStage: (stage) => {
          if (stage === 'renamed' && ++renamed === 2) failing = true;
        },
      });
      let renamed = 0;
      await (
        await manager.save(makeContent(1))
      ).done;
      const second = await (await manager.save(makeContent(2))).done;
      assert.deepEqual(second.deleted, []);
      assert.deepEqual(await names(real), ['checkpoint-1', 'checkpoint-2']);
      assert.match(
        warnings[0] ?? '',
        /^retention after saving checkpoint-2 failed: cannot read .*checkpoints: EIO: i\/o error, scandir .*\(the checkpoint is saved; nothing was deleted\)$/,
      );
    });
  });

  it("keeps the trainer's own best checkpoint (no metric configured) through retention, even once later states name none", async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }));
      const withBest = (step: number, best: string | null) => {
        const content = makeContent(step);
        content.trainerState.best_checkpoint = best;
        return content;
      };
      await (
        await manager.save(withBest(1, 'checkpoint-1'))
      ).done;
      const second = await (await manager.save(withBest(2, 'checkpoint-1'))).done;
      assert.deepEqual(second.deleted, []);
      const third = await (await manager.save(withBest(3, null))).done;
      assert.deepEqual(third.deleted, ['checkpoint-2']);
      assert.deepEqual(await names(dir), ['checkpoint-1', 'checkpoint-3']);
    });
  });

  it('reports how long a save took', async () => {
    await withTempDir(async (dir) => {
      const started = performance.now();
      const saved = await (await new CheckpointManager(dir, managerOptions()).save(makeContent(1))).done;
      assert.ok(saved.durationMs >= 0 && saved.durationMs <= performance.now() - started, String(saved.durationMs));
    });
  });

  it('resume with no checkpoint at all is a fresh start (null)', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      assert.equal(await manager.resume(true, { restoreOptimizer: true, restoreScheduler: true }), null);
    });
  });

  it('by default resolveResume judges a checkpoint by a full resume: a missing scheduler.json passes it over, every problem said', async () => {
    await withTempDir(async (dir) => {
      const [older, newest] = await saveInOrder(dir, [1, 2]);
      await unlink(join(newest!, 'scheduler.json'));
      await unlink(join(newest!, 'optimizer.json'));
      const target = await new CheckpointManager(dir, managerOptions()).resolveResume(true);
      assert.equal(target?.path, older);
      assert.equal(
        target?.skipped[0]?.reason,
        `${join(newest!, 'optimizer.json')}: missing (listed in the manifest); ${join(newest!, 'scheduler.json')}: missing (listed in the manifest)`,
      );
    });
  });

  it('by default resolveResume needs scheduler.json alone to pass a checkpoint over; unparseable state files are all named', async () => {
    await withTempDir(async (dir) => {
      const [older, middle, newest] = await saveInOrder(dir, [1, 2, 3]);
      await unlink(join(newest!, 'scheduler.json'));
      await replaceVerified(middle!, 'optimizer.json', Buffer.from('{'), 1);
      await replaceVerified(middle!, 'scheduler.json', Buffer.from('['), 1);
      const target = await new CheckpointManager(dir, managerOptions()).resolveResume(true);
      assert.equal(target?.path, older);
      const [newestReason, middleReason] = target?.skipped.map((s) => s.reason) ?? [];
      assert.equal(newestReason, `${join(newest!, 'scheduler.json')}: missing (listed in the manifest)`);
      assert.match(
        middleReason ?? '',
        /checkpoint-2\/optimizer\.json: not valid JSON.*; \/.*checkpoint-2\/scheduler\.json: not valid JSON/,
      );
    });
  });

  it('a reader failure while reading the chosen checkpoint’s bytes (after its validation) fails the resume too', async () => {
    await withTempDir(async (real) => {
      await saveInOrder(real, [1, 2]);
      const v = virtualFs(real);
      let modelOpens = 0;
      v.override(
        'open',
        (realOpen) =>
          (async (...args: Parameters<CheckpointFs['open']>) => {
            // The first open is the verifying validation's hash; the second, the load reading the bytes.
            if (String(args[0]).endsWith(join('checkpoint-2', 'model.safetensors')) && ++modelOpens === 2)
              throw systemError('EIO', 'i/o error');
            return realOpen(...args);
          }) as CheckpointFs['open'],
      );
      const manager = new CheckpointManager(v.root, managerOptions(), { fs: v.fs });
      await assert.rejects(
        manager.resume(true, { restoreOptimizer: true, restoreScheduler: true }),
        (e: unknown) => e instanceof ReaderIoError && e.code === 'EIO' && e.path.endsWith('model.safetensors'),
      );
      assert.equal(modelOpens, 2);
    });
  });

  it('a reader failure while loading the chosen checkpoint fails the resume instead of passing it over', async () => {
    await withTempDir(async (real) => {
      await saveInOrder(real, [1, 2]);
      const v = virtualFs(real);
      let modelStats = 0;
      v.override(
        'lstat',
        (realLstat) =>
          (async (...args: Parameters<CheckpointFs['lstat']>) => {
            // The first lstat is the verifying validation's; the second, the load's own validation.
            if (String(args[0]).endsWith(join('checkpoint-2', 'model.safetensors')) && ++modelStats === 2)
              throw systemError('EIO', 'i/o error');
            return realLstat(...args);
          }) as CheckpointFs['lstat'],
      );
      const manager = new CheckpointManager(v.root, managerOptions(), { fs: v.fs });
      await assert.rejects(
        manager.resume(true, { restoreOptimizer: true, restoreScheduler: true }),
        (e: unknown) => e instanceof ReaderIoError && e.code === 'EIO',
      );
    });
  });
});
