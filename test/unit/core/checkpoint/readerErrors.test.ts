import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import * as nodeFs from 'node:fs/promises';
import { join } from 'node:path';
import { ReaderIoError } from '../../../../src/core/checkpoint/errors';
import { listCheckpoints } from '../../../../src/core/checkpoint/list';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { fsWith, makeContent, managerOptions, setCheckpointTime, systemError, withTempDir } from './helpers';

/** `count` copies of one committed checkpoint, checkpoint-1 … checkpoint-<count>, the highest written last. */
async function manyCheckpoints(dir: string, count: number): Promise<void> {
  const first = await (await new CheckpointManager(dir, managerOptions()).save(makeContent(1))).done;
  for (let i = 2; i <= count; i++)
    await cp(first.path, join(dir, 'checkpoints', `checkpoint-${i}`), { recursive: true });
  for (let i = 1; i <= count; i++) await setCheckpointTime(join(dir, 'checkpoints', `checkpoint-${i}`), i);
}

describe('reader errors are never a property of a checkpoint', () => {
  it('resume=true with 400 checkpoints under ulimit -n 64 picks the newest (no EMFILE turned into "invalid")', async function () {
    this.timeout(120_000);
    await withTempDir(async (dir) => {
      await manyCheckpoints(dir, 400);
      const script = join(__dirname, 'fixtures/resumeLatest.ts');
      const started = performance.now();
      const child = spawnSync(
        'bash',
        ['-c', `ulimit -n 64 && exec "${process.execPath}" --require tsx/cjs "${script}" "${dir}"`],
        { encoding: 'utf8', cwd: join(__dirname, '../../../..') },
      );
      const seconds = (performance.now() - started) / 1000;
      assert.equal(child.status, 0, child.stderr);
      assert.deepEqual(JSON.parse(child.stdout), { name: 'checkpoint-400', skipped: 0 });
      assert.ok(seconds < 60, `took ${seconds} s`);
    });
  });

  it('an EMFILE that persists fails resume with a ReaderIoError instead of falling back to an older checkpoint', async function () {
    this.timeout(20_000);
    await withTempDir(async (dir) => {
      await manyCheckpoints(dir, 3);
      const emfileOnNewest = fsWith({
        readFile: (async (...args: Parameters<typeof nodeFs.readFile>) => {
          if (String(args[0]).includes('checkpoint-3')) throw systemError('EMFILE', 'too many open files');
          return nodeFs.readFile(...args);
        }) as typeof nodeFs.readFile,
      });
      const manager = new CheckpointManager(dir, managerOptions(), { fs: emfileOnNewest });
      await assert.rejects(manager.resolveResume(true), (e: unknown) => {
        assert.ok(e instanceof ReaderIoError);
        assert.equal(e.exitCode, 1);
        assert.match(
          e.message,
          /checkpoint-3\/manifest\.json: EMFILE: too many open files \(a failure of this machine, not of the checkpoint, which was not judged; raise the open-file limit, ulimit -n\)$/,
        );
        return true;
      });
      await assert.rejects(listCheckpoints(dir, { fs: emfileOnNewest }), ReaderIoError);
    });
  });

  it('a transient EMFILE is retried and the newest checkpoint still wins', async () => {
    await withTempDir(async (dir) => {
      await manyCheckpoints(dir, 3);
      let failures = 2;
      const flaky = fsWith({
        lstat: (async (...args: Parameters<typeof nodeFs.lstat>) => {
          if (String(args[0]).endsWith('checkpoint-3/manifest.json') && failures-- > 0) throw systemError('EMFILE');
          return nodeFs.lstat(...args);
        }) as typeof nodeFs.lstat,
      });
      const target = await new CheckpointManager(dir, managerOptions(), { fs: flaky }).resolveResume(true);
      assert.equal(target?.name, 'checkpoint-3');
      assert.deepEqual(target?.skipped, []);
      assert.ok(failures < 0, 'both failures were retried');
    });
  });

  it('EIO is a failure of the reader too; EACCES stays a problem of the checkpoint', async () => {
    await withTempDir(async (dir) => {
      await manyCheckpoints(dir, 2);
      const failing = (code: string) =>
        fsWith({
          lstat: (async (...args: Parameters<typeof nodeFs.lstat>) => {
            if (String(args[0]).endsWith('checkpoint-2/model.safetensors')) throw systemError(code);
            return nodeFs.lstat(...args);
          }) as typeof nodeFs.lstat,
        });
      await assert.rejects(
        new CheckpointManager(dir, managerOptions(), { fs: failing('EIO') }).resolveResume(true),
        ReaderIoError,
      );
      const target = await new CheckpointManager(dir, managerOptions(), { fs: failing('EACCES') }).resolveResume(true);
      assert.equal(target?.name, 'checkpoint-1');
      assert.match(target?.skipped[0]?.reason ?? '', /model\.safetensors: EACCES/);
    });
  });
});
