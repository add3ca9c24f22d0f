import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs/promises';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { listCheckpoints } from '../../../../src/core/checkpoint/list';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { fsWith, makeContent, managerOptions, setCheckpointTime, systemError, withTempDir } from './helpers';

const entries = async (dir: string) => (await readdir(join(dir, 'checkpoints'))).sort();

describe('housekeeping touches only what this program made', () => {
  it("a user's own .tmp-* and .replaced-* folders under checkpoints/ survive saves untouched", async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }));
      await (
        await manager.save(makeContent(1))
      ).done;
      await mkdir(join(dir, 'checkpoints', '.tmp-my-notes'));
      await writeFile(join(dir, 'checkpoints', '.tmp-my-notes', 'todo.txt'), 'keep me');
      await mkdir(join(dir, 'checkpoints', '.replaced-checkpoint-7'));
      const warnings: string[] = [];
      const next = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }), {
        onWarning: (m) => warnings.push(m),
      });
      await (
        await next.save(makeContent(2))
      ).done;
      assert.deepEqual(await entries(dir), [
        '.index.json',
        '.replaced-checkpoint-7',
        '.save-counter',
        '.tmp-my-notes',
        'checkpoint-2',
      ]);
      assert.equal(await nodeFs.readFile(join(dir, 'checkpoints', '.tmp-my-notes', 'todo.txt'), 'utf8'), 'keep me');
      assert.deepEqual(warnings, []);
    });
  });

  it('a save whose retention cannot remove an old checkpoint still succeeds, with warnings, and so does the next', async () => {
    await withTempDir(async (dir) => {
      const first = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }));
      await (
        await first.save(makeContent(1))
      ).done;
      // The old checkpoint is unreadable: it can be moved aside but not removed (as for a folder without x permission).
      const stuck = fsWith({
        rm: (async (path: string, options?: Parameters<typeof nodeFs.rm>[1]) => {
          if (String(path).includes('delete-checkpoint-1')) throw systemError('EACCES', 'permission denied');
          return nodeFs.rm(path, options);
        }) as typeof nodeFs.rm,
      });
      const warnings: string[] = [];
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }), {
        fs: stuck,
        onWarning: (m) => warnings.push(m),
      });
      const saved = await (await manager.save(makeContent(2))).done;
      assert.equal(saved.name, 'checkpoint-2');
      assert.deepEqual(saved.deleted, []);
      assert.match(warnings.join('\n'), /retention could not delete .*checkpoint-1: EACCES/);
      warnings.length = 0;
      const third = await (await manager.save(makeContent(3))).done;
      assert.equal(third.name, 'checkpoint-3');
      assert.match(
        warnings.join('\n'),
        /could not clean up .*\.tmp-delete-checkpoint-1\.training-runs: EACCES: permission denied \(left in place; remove it by hand\)/,
      );
    });
  });

  it('a symbolic link named like a checkpoint is listed as invalid, saying why, skipped by resume and never deleted', async () => {
    await withTempDir(async (dir) => {
      const elsewhere = join(dir, 'elsewhere');
      const outside = await (await new CheckpointManager(elsewhere, managerOptions()).save(makeContent(900))).done;
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }));
      const own = await (await manager.save(makeContent(1))).done;
      await setCheckpointTime(own.path, 0);
      const link = join(dir, 'checkpoints', 'checkpoint-900');
      await symlink(outside.path, link);
      const reason = `${link}: is a symbolic link, not a checkpoint folder: not used for resume or retention (move the folder here, or name it in resume_from_checkpoint)`;
      const rows = await listCheckpoints(dir);
      assert.deepEqual(
        rows.map((r) => [r.name, r.valid, r.problems]),
        [
          ['checkpoint-900', false, [reason]],
          ['checkpoint-1', true, []],
        ],
      );
      const warnings: string[] = [];
      const target = await new CheckpointManager(dir, managerOptions(), {
        onWarning: (m) => warnings.push(m),
      }).resolveResume(true);
      assert.equal(target?.name, 'checkpoint-1');
      assert.deepEqual(target?.skipped, [{ path: link, reason }]);
      assert.deepEqual(warnings, [
        `skipping checkpoint ${link} for resume: ${reason}; falling back to the next valid one`,
      ]);
      await (
        await manager.save(makeContent(2))
      ).done;
      assert.deepEqual(await entries(dir), ['.index.json', '.save-counter', 'checkpoint-2', 'checkpoint-900']);
      // Named explicitly, it resumes.
      assert.equal((await manager.resolveResume(link))?.step, 900);
    });
  });
});
