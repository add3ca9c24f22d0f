import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  checkpointFolderNames,
  compareNewestFirst,
  discoverCheckpoints,
  latestValid,
  readCheckpointFolderNames,
  resolveCheckpointsDir,
  type DiscoveredCheckpoint,
} from '../../../../src/core/checkpoint/discovery';
import { ReaderIoError } from '../../../../src/core/checkpoint/errors';
import { virtualFs } from './faultFs';
import { saveInOrder, systemError, withTempDir } from './helpers';

const entry = (name: string, mtimeMs: number, saveCounter: number, step: number | null) => ({
  name,
  mtimeMs,
  saveCounter,
  step,
});

describe('discovery: order, folder names and the injected fs', () => {
  it('orders by manifest time, then save counter, then step (none lowest), then name, newest first', () => {
    const sorted = (list: ReturnType<typeof entry>[]) => [...list].sort(compareNewestFirst).map((e) => e.name);
    assert.deepEqual(sorted([entry('a', 1, 9, 9), entry('b', 2, 0, 0)]), ['b', 'a']);
    assert.deepEqual(sorted([entry('a', 1, 1, 9), entry('b', 1, 2, 0)]), ['b', 'a']);
    assert.deepEqual(sorted([entry('a', 1, 1, 3), entry('b', 1, 1, 4)]), ['b', 'a']);
    assert.deepEqual(sorted([entry('a', 1, 1, 0), entry('b', 1, 1, null)]), ['a', 'b']);
    assert.deepEqual(sorted([entry('a', 1, 1, null), entry('c', 1, 1, null), entry('b', 1, 1, null)]), ['c', 'b', 'a']);
    assert.equal(compareNewestFirst(entry('a', 1, 1, 1), entry('a', 1, 1, 1)), 0);
    assert.ok(compareNewestFirst(entry('a', 1, 1, 1), entry('b', 1, 1, 1)) > 0);
    assert.ok(compareNewestFirst(entry('b', 1, 1, 1), entry('a', 1, 1, 1)) < 0);
  });

  it('lists checkpoint-* folders and links only; a missing or unreadable folder is null, a machine failure throws', async () => {
    await withTempDir(async (dir) => {
      await mkdir(join(dir, 'checkpoint-1'));
      await mkdir(join(dir, 'other-2'));
      await writeFile(join(dir, 'checkpoint-3'), 'a file');
      await symlink(join(dir, 'other-2'), join(dir, 'checkpoint-4'));
      const virtual = virtualFs(dir);
      assert.deepEqual((await readCheckpointFolderNames(virtual.root, virtual.fs))?.sort(), [
        'checkpoint-1',
        'checkpoint-4',
      ]);
      assert.equal(await readCheckpointFolderNames(join(virtual.root, 'missing'), virtual.fs), null);
      assert.deepEqual(await checkpointFolderNames(join(virtual.root, 'missing'), virtual.fs), []);
      virtual.override('readdir', () => (async () => Promise.reject(systemError('EIO', 'i/o error'))) as never);
      await assert.rejects(readCheckpointFolderNames(virtual.root, virtual.fs), ReaderIoError);
    });
  });

  it('a run folder leads to its checkpoints/ folder; a file named checkpoints or no such folder leaves the path as given', async () => {
    await withTempDir(async (dir) => {
      const virtual = virtualFs(dir);
      await mkdir(join(dir, 'run', 'checkpoints'), { recursive: true });
      await mkdir(join(dir, 'odd'));
      await writeFile(join(dir, 'odd', 'checkpoints'), 'not a folder');
      assert.equal(
        await resolveCheckpointsDir(join(virtual.root, 'run'), virtual.fs),
        join(virtual.root, 'run', 'checkpoints'),
      );
      assert.equal(await resolveCheckpointsDir(join(virtual.root, 'odd'), virtual.fs), join(virtual.root, 'odd'));
      assert.equal(await resolveCheckpointsDir(join(virtual.root, 'none'), virtual.fs), join(virtual.root, 'none'));
    });
  });

  it('discovers through the injected fs only, newest first, with step and save counter from the manifest', async () => {
    await withTempDir(async (dir) => {
      await saveInOrder(dir, [30, 10, 20]);
      await mkdir(join(dir, 'checkpoints', 'checkpoint-99'));
      const virtual = virtualFs(dir);
      const found = await discoverCheckpoints(virtual.root, { fs: virtual.fs });
      // The folder without a manifest was made last: newest by its own time, its step from its name.
      assert.deepEqual(
        found.map((c) => [c.name, c.step, c.valid, c.saveCounter]),
        [
          ['checkpoint-99', 99, false, -1],
          ['checkpoint-20', 20, true, 3],
          ['checkpoint-10', 10, true, 2],
          ['checkpoint-30', 30, true, 1],
        ],
      );
      assert.equal(found[1]!.path, join(virtual.root, 'checkpoints', 'checkpoint-20'));
      assert.ok(virtual.calls.readdir > 0 && virtual.calls.readFile > 0);
      assert.equal(latestValid(found)?.name, 'checkpoint-20');
      assert.equal(latestValid(found.filter((c) => !c.valid)), null);
    });
  });

  it('a checkpoint-* symbolic link is listed invalid with the reason, never followed', async () => {
    await withTempDir(async (dir) => {
      await saveInOrder(dir, [10]);
      await symlink(join(dir, 'checkpoints', 'checkpoint-10'), join(dir, 'checkpoints', 'checkpoint-11'));
      const virtual = virtualFs(dir);
      const found: DiscoveredCheckpoint[] = await discoverCheckpoints(virtual.root, { fs: virtual.fs });
      const link = found.find((c) => c.name === 'checkpoint-11')!;
      assert.equal(link.valid, false);
      assert.equal(link.step, 11);
      assert.equal(link.manifest, null);
      assert.deepEqual(link.problems, [
        `${link.path}: is a symbolic link, not a checkpoint folder: not used for resume or retention (move the folder here, or name it in resume_from_checkpoint)`,
      ]);
    });
  });
});
