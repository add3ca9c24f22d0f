/** The run lock's one-line refusals for an unusable output folder, and a renewal that finds its lock gone. */
import assert from 'node:assert/strict';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LockError } from '../../../../src/core/checkpoint/errors';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { acquireRunLock } from '../../../../src/core/checkpoint/lock';
import { alwaysFails, virtualFs } from './faultFs';
import { withTempDir } from './helpers';

const WHY: Array<[string, string]> = [
  ['EEXIST', 'it is not a folder (or a path inside it is a file)'],
  ['ENOTDIR', 'it is not a folder (or a path inside it is a file)'],
  ['EACCES', 'permission denied'],
  ['EPERM', 'permission denied'],
  ['EROFS', 'the file system is read-only'],
  ['EIO', 'EIO: EIO'],
];

describe('run lock: unusable output folders and lost locks', () => {
  for (const [code, why] of WHY) {
    it(`creating the output folder fails with ${code}: "${why}", with the code kept`, async () => {
      await withTempDir(async (real) => {
        const v = virtualFs(real);
        v.override('mkdir', () => alwaysFails<CheckpointFs['mkdir']>(code));
        const run = join(v.root, 'run');
        await assert.rejects(acquireRunLock(run, { fs: v.fs }), (e: unknown) => {
          assert.ok(e instanceof LockError);
          assert.equal(e.message, `output_dir ${run} cannot be used: ${why}; choose another output_dir`);
          assert.equal(e.code, code);
          assert.equal(e.holderPid, null);
          return true;
        });
        assert.equal(v.calls.writeFile, 0);
      });
    });
  }

  it('an output folder the file system will not make (under /proc): refused at once, not an endless mkdir', async function () {
    if (process.platform !== 'linux') return this.skip();
    // Node's own recursive mkdir spins for ever here (ENOENT for a folder whose parent exists).
    await assert.rejects(acquireRunLock('/proc/training-runs-nope/run'), (e: unknown) => {
      assert.ok(e instanceof LockError);
      assert.match(
        e.message,
        /^output_dir \/proc\/training-runs-nope\/run cannot be used: the file system refused to make a folder there/,
      );
      return true;
    });
  });

  it('renew() after the lock file was deleted: lost, held by nobody; a read error other than ENOENT surfaces as is', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const lock = await acquireRunLock(v.root, { fs: v.fs, renewEveryMs: 0 });
      await unlink(join(real, '.lock'));
      await assert.rejects(lock.renew(), (e: unknown) => {
        assert.ok(e instanceof LockError);
        assert.equal(
          e.message,
          `lost the lock ${join(v.root, '.lock')}: it is now held by nobody (the file was deleted); another trainer may be writing into this run folder`,
        );
        assert.equal(e.holderPid, null);
        return true;
      });
      v.override('readFile', () => alwaysFails<CheckpointFs['readFile']>('EACCES'));
      await assert.rejects(lock.renew(), { code: 'EACCES' });
      await assert.rejects(lock.release(), { code: 'EACCES' });
    });
  });

  it('a renewal on its own that finds the lock gone is reported as a warning', async () => {
    await withTempDir(async (dir) => {
      const warnings: string[] = [];
      const lock = await acquireRunLock(dir, { renewEveryMs: 10, onWarning: (m) => warnings.push(m) });
      await unlink(join(dir, '.lock'));
      // The timer's pace depends on the machine's load: wait for the first renewal, up to 10 s.
      for (let waited = 0; warnings.length === 0 && waited < 10_000; waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await lock.release();
      assert.match(warnings[0] ?? '', /^lost the lock .*\.lock: it is now held by nobody \(the file was deleted\)/);
    });
  });
});
