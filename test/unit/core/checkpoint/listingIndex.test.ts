import assert from 'node:assert/strict';
import * as nodeFs from 'node:fs/promises';
import { cp, mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { listCheckpoints } from '../../../../src/core/checkpoint/list';
import { LISTING_INDEX_FILE } from '../../../../src/core/checkpoint/listingIndex';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { makeContent, managerOptions, withTempDir } from './helpers';

async function save(manager: CheckpointManager, step: number, loss?: number): Promise<string> {
  const pending = await manager.save(makeContent(step, loss === undefined ? {} : { loss }));
  await pending.done;
  return pending.path;
}

async function indexedNames(dir: string): Promise<string[]> {
  const index = JSON.parse(await readFile(join(dir, 'checkpoints', LISTING_INDEX_FILE), 'utf8')) as {
    checkpoints: Array<{ name: string }>;
  };
  return index.checkpoints.map((c) => c.name);
}

/** The real file system, recording every path the listing touches. */
function recordingFs(): { fs: CheckpointFs; touched: string[] } {
  const touched: string[] = [];
  const record =
    <A extends unknown[], R>(call: (path: string, ...rest: A) => R) =>
    (path: unknown, ...rest: A): R => {
      touched.push(String(path));
      return call(String(path), ...rest);
    };
  const fs = {
    ...nodeFs,
    readFile: record(nodeFs.readFile as (p: string, ...r: unknown[]) => Promise<unknown>),
    stat: record(nodeFs.stat as (p: string, ...r: unknown[]) => Promise<unknown>),
    readdir: record(nodeFs.readdir as (p: string, ...r: unknown[]) => Promise<unknown>),
    open: record(nodeFs.open as (p: string, ...r: unknown[]) => Promise<unknown>),
  } as unknown as CheckpointFs;
  return { fs, touched };
}

describe('checkpoint listing index (checkpoints/.index.json)', () => {
  it('gives exactly the rows of a full validation, trainer summary included', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      for (const step of [30, 10, 20]) await save(manager, step, step / 100);
      assert.deepEqual(await indexedNames(dir), ['checkpoint-10', 'checkpoint-20', 'checkpoint-30']);
      const exact = await listCheckpoints(dir);
      assert.deepEqual(await listCheckpoints(dir, { useIndex: true }), exact);
      assert.deepEqual(
        exact.map((r) => r.name),
        ['checkpoint-20', 'checkpoint-10', 'checkpoint-30'],
      );
      assert.deepEqual(exact[0]!.trainer, { loss: 0.2, bestCheckpoint: null });
    });
  });

  it('reads no file inside a checkpoint folder that the index names', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      for (const step of [10, 20, 30]) await save(manager, step);
      const { fs, touched } = recordingFs();
      const rows = await listCheckpoints(dir, { useIndex: true, fs });
      assert.equal(rows.length, 3);
      assert.deepEqual(
        touched.filter((p) => p.includes(`${join('checkpoints', 'checkpoint-')}`)),
        [],
      );
      // Without the index every checkpoint's manifest and files are read or stat'ed.
      const exact = recordingFs();
      await listCheckpoints(dir, { fs: exact.fs });
      assert.ok(exact.touched.filter((p) => p.includes(join('checkpoint-20', 'manifest.json'))).length >= 1);
    });
  });

  it('validates folders the index does not name, and ignores entries whose folder is gone', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      for (const step of [10, 20]) await save(manager, step);
      const checkpoints = join(dir, 'checkpoints');
      await mkdir(join(checkpoints, 'checkpoint-99'));
      await writeFile(join(checkpoints, 'checkpoint-99', 'model.safetensors'), 'half-written');
      await cp(join(checkpoints, 'checkpoint-10'), join(checkpoints, 'checkpoint-15'), { recursive: true });
      await rm(join(checkpoints, 'checkpoint-20'), { recursive: true });
      const rows = await listCheckpoints(dir, { useIndex: true });
      assert.deepEqual(rows.map((r) => [r.name, r.valid]).sort(), [
        ['checkpoint-10', true],
        ['checkpoint-15', true],
        ['checkpoint-99', false],
      ]);
      assert.deepEqual(rows, await listCheckpoints(dir));
    });
  });

  it('is ignored when missing, torn or of another version: the checkpoints are validated instead', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      for (const step of [10, 20]) await save(manager, step);
      const file = join(dir, 'checkpoints', LISTING_INDEX_FILE);
      // An entry claiming a folder that is broken on disk shows that the index is (or is not) used.
      await truncate(join(dir, 'checkpoints', 'checkpoint-20', 'model.safetensors'), 3);
      const exact = await listCheckpoints(dir);
      assert.equal(exact.find((r) => r.name === 'checkpoint-20')?.valid, false);
      assert.equal(
        (await listCheckpoints(dir, { useIndex: true })).find((r) => r.name === 'checkpoint-20')?.valid,
        true,
      );
      const text = await readFile(file, 'utf8');
      const wrongType = text.replace('"mtimeMs":', '"mtimeMs":"soon","was":');
      const wrongNested = text.replace('"iterations":', '"iterations":"many","was":');
      for (const broken of [
        text.slice(0, text.length / 2),
        text.replace('"version":2', '"version":1'),
        '[]',
        wrongType,
        wrongNested,
      ]) {
        assert.notEqual(broken, text);
        await writeFile(file, broken);
        assert.deepEqual(await listCheckpoints(dir, { useIndex: true }), exact, broken.slice(0, 40));
      }
      await rm(file);
      assert.deepEqual(await listCheckpoints(dir, { useIndex: true }), exact);
      // Checksums are never taken from the index.
      await writeFile(file, text);
      assert.equal(
        (await listCheckpoints(dir, { useIndex: true, verifyChecksums: true })).find((r) => r.name === 'checkpoint-20')
          ?.valid,
        false,
      );
    });
  });

  it('follows retention, replaces the entry of a checkpoint saved again, and adopts checkpoints saved before it existed', async () => {
    await withTempDir(async (dir) => {
      const first = new CheckpointManager(dir, managerOptions());
      for (const step of [10, 20]) await save(first, step);
      await rm(join(dir, 'checkpoints', LISTING_INDEX_FILE)); // as written by a trainer without the index
      const manager = new CheckpointManager(dir, managerOptions({ save_total_limit: 2 }));
      await save(manager, 30);
      assert.deepEqual(await indexedNames(dir), ['checkpoint-20', 'checkpoint-30']);
      await save(manager, 20, 0.125);
      assert.deepEqual(await indexedNames(dir), ['checkpoint-20', 'checkpoint-30']);
      const rows = await listCheckpoints(dir, { useIndex: true });
      assert.deepEqual(rows.find((r) => r.name === 'checkpoint-20')?.trainer, { loss: 0.125, bestCheckpoint: null });
      assert.deepEqual(rows, await listCheckpoints(dir));
      assert.deepEqual(
        (await readdir(join(dir, 'checkpoints'))).filter((n) => n.startsWith('.tmp-')),
        [],
      );
    });
  });

  it('never fails a save: a failed index write is a warning and leaves no temporary file', async () => {
    await withTempDir(async (dir) => {
      const warnings: string[] = [];
      const fs = {
        ...nodeFs,
        writeFile: async (path: string, ...rest: unknown[]) => {
          if (String(path).includes('.tmp-index-')) {
            await nodeFs.writeFile(path, '{"format":"training-runs-chec'); // cut short, as a full disk does
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          }
          return (nodeFs.writeFile as (p: string, ...r: unknown[]) => Promise<void>)(path, ...rest);
        },
      } as unknown as CheckpointFs;
      const manager = new CheckpointManager(dir, managerOptions(), { fs, onWarning: (m) => warnings.push(m) });
      const path = await save(manager, 10);
      assert.equal((await listCheckpoints(dir))[0]?.path, path);
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /could not update .*\.index\.json: ENOSPC.*listing validates the checkpoints instead/);
      assert.deepEqual(
        (await readdir(join(dir, 'checkpoints'))).filter((n) => n.startsWith('.')),
        ['.save-counter'],
      );
    });
  });
});

describe('the listing index only ever saves time', () => {
  it('rollback, retrain and a kill just after a same-name replace: listing from the index shows the new branch, and the next save repairs the row', async () => {
    await withTempDir(async (dir) => {
      const first = new CheckpointManager(dir, managerOptions());
      for (const step of [100, 200]) await save(first, step, 0.5);
      // Rolled back to 100 and retrained: checkpoint-200 is replaced, and the trainer dies right after the rename.
      const retrain = new CheckpointManager(dir, managerOptions(), {
        onStage: (stage) => {
          if (stage === 'renamed') throw new Error('SIGKILL');
        },
      });
      await assert.rejects((await retrain.save(makeContent(200, { loss: 0.125 }))).done, /SIGKILL/);
      const exact = await listCheckpoints(dir);
      assert.equal(exact.find((r) => r.name === 'checkpoint-200')?.trainer?.loss, 0.125);
      assert.deepEqual(await listCheckpoints(dir, { useIndex: true }), exact);
      await save(new CheckpointManager(dir, managerOptions()), 300, 0.1);
      const index = JSON.parse(await readFile(join(dir, 'checkpoints', '.index.json'), 'utf8'));
      assert.equal(index.checkpoints.find((e: { name: string }) => e.name === 'checkpoint-200').trainer.loss, 0.125);
      assert.deepEqual(await listCheckpoints(dir, { useIndex: true }), await listCheckpoints(dir));
    });
  });

  it('a hand-edited row (wrong step, wrong time) is not believed', async () => {
    await withTempDir(async (dir) => {
      const manager = new CheckpointManager(dir, managerOptions());
      for (const step of [10, 20]) await save(manager, step);
      const indexPath = join(dir, 'checkpoints', '.index.json');
      const index = JSON.parse(await readFile(indexPath, 'utf8'));
      index.checkpoints[0].step = 999999;
      index.checkpoints[1].mtimeMs += 10 ** 9;
      index.checkpoints[1].manifest.mtimeMs += 10 ** 9;
      await writeFile(indexPath, JSON.stringify(index));
      const exact = await listCheckpoints(dir);
      assert.deepEqual(await listCheckpoints(dir, { useIndex: true }), exact);
      assert.deepEqual(
        exact.map((r) => r.step),
        [20, 10],
      );
    });
  });

  it('a checkpoint saved without optimizer or scheduler state has none in its row, though the trainer handed them over', async () => {
    await withTempDir(async (dir) => {
      const without = new CheckpointManager(
        dir,
        managerOptions({ save_optimizer_state: false, save_scheduler_state: false }),
      );
      await save(without, 10);
      await save(new CheckpointManager(dir, managerOptions()), 20);
      const rows = await listCheckpoints(dir, { useIndex: true });
      assert.deepEqual(
        rows.map((r) => [r.name, r.optimizer !== null, r.scheduler !== null]),
        [
          ['checkpoint-20', true, true],
          ['checkpoint-10', false, false],
        ],
      );
      assert.deepEqual(rows, await listCheckpoints(dir));
    });
  });

  it('adopting a folder it does not know hashes no file: a same-size damaged model is indexed as a plain listing shows it', async () => {
    await withTempDir(async (dir) => {
      await save(new CheckpointManager(dir, managerOptions()), 10);
      await rm(join(dir, 'checkpoints', LISTING_INDEX_FILE)); // as written by a trainer without the index
      const model = join(dir, 'checkpoints', 'checkpoint-10', 'model.safetensors');
      const bytes = await readFile(model);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff; // tensor data, same size: only a checksum sees it
      await writeFile(model, bytes);
      await save(new CheckpointManager(dir, managerOptions()), 20);
      assert.deepEqual(await indexedNames(dir), ['checkpoint-10', 'checkpoint-20']);
      assert.deepEqual(await listCheckpoints(dir, { useIndex: true }), await listCheckpoints(dir));
      const verified = await listCheckpoints(dir, { verifyChecksums: true });
      assert.equal(verified.find((r) => r.name === 'checkpoint-10')?.valid, false, 'the damage is real');
    });
  });
});
