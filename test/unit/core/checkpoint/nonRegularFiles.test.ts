import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readHashed } from '../../../../src/core/checkpoint/hashedIo';
import { defaultFs } from '../../../../src/core/checkpoint/fs';
import { inspectCheckpoint } from '../../../../src/core/checkpoint/inspect';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { managerOptions, saveInOrder, withTempDir } from './helpers';

/** checkpoint-100 then checkpoint-200 (newest); returns their paths. */
const twoCheckpoints = async (dir: string) => (await saveInOrder(dir, [100, 200])) as [string, string];

const hostile: Array<{ name: string; kind: string; plant(path: string): Promise<void> }> = [
  { name: 'a symbolic link to /dev/zero', kind: 'a symbolic link', plant: (path) => symlink('/dev/zero', path) },
  { name: 'a FIFO', kind: 'a FIFO', plant: async (path) => void execFileSync('mkfifo', [path]) },
  {
    name: 'a symbolic link to a FIFO',
    kind: 'a symbolic link',
    plant: async (path) => (execFileSync('mkfifo', [`${path}.fifo`]), symlink(`${path}.fifo`, path)),
  },
];

describe('only regular files count in a checkpoint', function () {
  before(function () {
    if (process.platform === 'win32') this.skip();
  });

  for (const file of ['model.safetensors', 'optimizer.safetensors', 'trainer_state.json']) {
    for (const { name, kind, plant } of hostile) {
      it(`${file} replaced by ${name}: inspect --verify and resume refuse it at once, resume falls back`, async () => {
        await withTempDir(async (dir) => {
          const [older, newest] = await twoCheckpoints(dir);
          const path = join(newest, file);
          await rm(path);
          await plant(path);
          const problem = `${path}: is ${kind}, not a regular file (a checkpoint holds only regular files)`;
          const started = performance.now();
          const inspected = await inspectCheckpoint(newest, { verify: true });
          assert.equal(inspected.valid, false);
          assert.ok(inspected.problems.includes(problem), inspected.problems.join('\n'));
          const warnings: string[] = [];
          const target = await new CheckpointManager(dir, managerOptions(), {
            onWarning: (m) => warnings.push(m),
          }).resolveResume(true);
          const ms = performance.now() - started;
          assert.equal(target?.path, older);
          assert.deepEqual(target?.skipped, [{ path: newest, reason: problem }]);
          assert.ok(ms < 10_000, `refused in ${ms} ms`); // a hang never ends: the bound only has to be finite on a loaded machine
        });
      });
    }
  }

  it('a manifest.json that is a FIFO makes the folder invalid without blocking', async () => {
    await withTempDir(async (dir) => {
      const [, newest] = await twoCheckpoints(dir);
      await rm(join(newest, 'manifest.json'));
      execFileSync('mkfifo', [join(newest, 'manifest.json')]);
      const result = await validateCheckpoint(newest, { verifyChecksums: true });
      assert.deepEqual(result.problems, [
        `${join(newest, 'manifest.json')}: is a FIFO, not a regular file (a checkpoint holds only regular files)`,
      ]);
    });
  });

  it('reading a FIFO or a link refuses before reading a byte', async () => {
    await withTempDir(async (dir) => {
      execFileSync('mkfifo', [join(dir, 'pipe')]);
      await symlink('/dev/zero', join(dir, 'zero'));
      await assert.rejects(readHashed(defaultFs, join(dir, 'pipe'), 'crc32'), /pipe: is a FIFO, not a regular file/);
      await assert.rejects(
        readHashed(defaultFs, join(dir, 'zero'), 'crc32'),
        /zero: is a symbolic link, not a regular file/,
      );
    });
  });
});
