import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CommitStage } from '../../../../src/core/checkpoint/commit';
import { discoverCheckpoints, latestValid } from '../../../../src/core/checkpoint/discovery';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { crashableFs, fsWith, makeContent, managerOptions, withTempDir } from './helpers';

/** Saves checkpoint-100 normally, then "kills the process" at `stage` of saving `step`. */
async function crashDuringSave(dir: string, step: number, stage: CommitStage): Promise<void> {
  await (
    await new CheckpointManager(dir, managerOptions()).save(makeContent(100))
  ).done;
  const { fs, crash } = crashableFs();
  const doomed = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }), {
    fs,
    onStage: (s) => {
      if (s === stage) {
        crash();
        throw new Error(`killed at ${s}`);
      }
    },
  });
  const pending = await doomed.save(makeContent(step));
  await assert.rejects(pending.done, new RegExp(`killed at ${stage}`));
}

const entries = async (dir: string) => (await readdir(join(dir, 'checkpoints'))).sort();

describe('interrupted saves', () => {
  for (const stage of ['files-written', 'manifest-written'] as const) {
    it(`a crash ${stage === 'files-written' ? 'before the manifest' : 'before the rename'} leaves the previous latest in charge`, async () => {
      await withTempDir(async (dir) => {
        await crashDuringSave(dir, 200, stage);
        const left = await entries(dir);
        assert.equal(left.length, 4);
        assert.deepEqual(left.slice(0, 2), ['.index.json', '.save-counter']);
        assert.match(left[2]!, /^\.tmp-checkpoint-200-\d+-\d+\.training-runs$/);
        assert.equal(left[3], 'checkpoint-100');
        const found = await discoverCheckpoints(dir);
        assert.deepEqual(
          found.map((c) => c.name),
          ['checkpoint-100'],
        );
        assert.equal(latestValid(found)?.name, 'checkpoint-100');
        assert.equal((await new CheckpointManager(dir, managerOptions()).resolveResume(true))?.name, 'checkpoint-100');

        // The next save cleans the leftover up and reports it.
        const warnings: string[] = [];
        const next = new CheckpointManager(dir, managerOptions(), { onWarning: (m) => warnings.push(m) });
        await (
          await next.save(makeContent(300))
        ).done;
        assert.deepEqual(await entries(dir), ['.index.json', '.save-counter', 'checkpoint-100', 'checkpoint-300']);
        assert.equal(warnings.length, 1);
        assert.match(
          warnings[0]!,
          /removed .*\.tmp-checkpoint-200-\d+-\d+\.training-runs \(left by an interrupted save\)/,
        );
      });
    });
  }

  it('a crash while replacing an existing name restores the old folder at the next save', async () => {
    await withTempDir(async (dir) => {
      await (
        await new CheckpointManager(dir, managerOptions()).save(makeContent(100))
      ).done;
      const { fs, crash } = crashableFs();
      // Kill the process right after the old folder was moved aside (its rename is the first rename).
      const killingFs = {
        ...fs,
        rename: async (from: string, to: string) => {
          await fs.rename(from, to);
          if (to.includes('.replaced-')) {
            crash();
            throw new Error('killed mid-replace');
          }
        },
      } as typeof fs;
      const doomed = new CheckpointManager(dir, managerOptions(), { fs: killingFs });
      await assert.rejects((await doomed.save(makeContent(100, { lr: 9 }))).done, /killed mid-replace/);
      assert.deepEqual(
        (await entries(dir)).filter((n) => !n.startsWith('.tmp-')),
        ['.index.json', '.replaced-checkpoint-100.training-runs', '.save-counter'],
      );

      const warnings: string[] = [];
      const next = new CheckpointManager(dir, managerOptions(), { onWarning: (m) => warnings.push(m) });
      await (
        await next.save(makeContent(200))
      ).done;
      assert.deepEqual(await entries(dir), ['.index.json', '.save-counter', 'checkpoint-100', 'checkpoint-200']);
      assert.ok(warnings.some((w) => w.startsWith(`restored ${join(dir, 'checkpoints', 'checkpoint-100')}`)));
      const restored = await next.load(join(dir, 'checkpoints', 'checkpoint-100'), {
        restoreOptimizer: false,
        restoreScheduler: true,
      });
      assert.equal(restored.content.scheduler?.last_lr, makeContent(100).scheduler?.last_lr);
      assert.equal(
        (await validateCheckpoint(join(dir, 'checkpoints', 'checkpoint-100'), { verifyChecksums: true })).valid,
        true,
      );
    });
  });

  it('runs the commit stages in order, and retention only after the rename', async () => {
    await withTempDir(async (dir) => {
      const stages: CommitStage[] = [];
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 1 }), {
        onStage: (s) => void stages.push(s),
      });
      await (
        await manager.save(makeContent(1))
      ).done;
      const result = await (await manager.save(makeContent(2))).done;
      assert.deepEqual(stages, [
        'files-written',
        'manifest-written',
        'renamed',
        'files-written',
        'manifest-written',
        'renamed',
      ]);
      assert.deepEqual(result.deleted, ['checkpoint-1']);
    });
  });

  it('fsyncs every file before the manifest exists, the manifest and its folder before the rename, the parent after it', async () => {
    await withTempDir(async (dir) => {
      const events: string[] = [];
      const name = (path: unknown) => basename(String(path));
      const recordingFs = fsWith({
        open: (async (...args: Parameters<typeof nodeFs.open>) => {
          const handle = await nodeFs.open(...args);
          events.push(`open ${name(args[0])}`);
          const sync = handle.sync.bind(handle);
          handle.sync = async () => {
            await sync();
            events.push(`synced ${name(args[0])}`);
          };
          return handle;
        }) as typeof nodeFs.open,
        rename: (async (from: string, to: string) => {
          await nodeFs.rename(from, to);
          events.push(`renamed to ${name(to)}`);
        }) as typeof nodeFs.rename,
      });
      await (
        await new CheckpointManager(dir, managerOptions(), { fs: recordingFs }).save(makeContent(7))
      ).done;
      const at = (event: string) => {
        const index = events.indexOf(event);
        assert.ok(index >= 0, `${event} missing from ${events.join(', ')}`);
        return index;
      };
      const temp = events.find((e) => e.startsWith('open .tmp-checkpoint-7'))!.slice('open '.length);
      const dataFiles = [
        'model.safetensors',
        'optimizer.safetensors',
        'optimizer.json',
        'scheduler.json',
        'trainer_state.json',
        'metadata.json',
      ];
      for (const file of dataFiles)
        assert.ok(at(`synced ${file}`) < at('open manifest.json'), `${file} fsynced before the manifest is created`);
      assert.ok(at('synced manifest.json') < at(`synced ${temp}`));
      assert.ok(at(`synced ${temp}`) < at('renamed to checkpoint-7'));
      assert.ok(at('renamed to checkpoint-7') < at('synced checkpoints'));
    });
  });
});
