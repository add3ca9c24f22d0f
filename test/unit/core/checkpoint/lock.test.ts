import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockError } from '../../../../src/core/checkpoint/errors';
import { acquireRunLock } from '../../../../src/core/checkpoint/lock';
import { withTempDir } from './helpers';

describe('run lock', () => {
  it('refuses a second writer while the holder lives, naming its PID', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, '.lock'), JSON.stringify({ pid: 4242, hostname: hostname(), started: '2026-01-01T00:00:00Z' }));
      await assert.rejects(acquireRunLock(dir, { isAlive: (pid) => pid === 4242 }), (e: unknown) => {
        assert.ok(e instanceof LockError);
        assert.equal(e.holderPid, 4242);
        assert.equal(e.message, `${dir} is in use by another trainer (PID 4242, since 2026-01-01T00:00:00Z); stop it or choose another output_dir`);
        return true;
      });
    });
  });

  it('refuses a second lock from the same process', async () => {
    await withTempDir(async (dir) => {
      const lock = await acquireRunLock(dir);
      await assert.rejects(acquireRunLock(dir), new RegExp(`PID ${process.pid}`));
      await lock.release();
    });
  });

  it('takes over a dead process lock with a warning', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, '.lock'), JSON.stringify({ pid: 4242, hostname: hostname(), started: 'x' }));
      const warnings: string[] = [];
      const lock = await acquireRunLock(dir, { isAlive: () => false, onWarning: (m) => warnings.push(m) });
      assert.deepEqual(warnings, [`took over the lock of ${dir} left by process 4242, which is no longer running`]);
      assert.equal(JSON.parse(await readFile(join(dir, '.lock'), 'utf8')).pid, process.pid);
      await lock.release();
    });
  });

  it('detects a really dead PID without help', async () => {
    await withTempDir(async (dir) => {
      // PIDs are below 2^22 on Linux; this one cannot exist.
      await writeFile(join(dir, '.lock'), JSON.stringify({ pid: 2 ** 30, hostname: hostname(), started: 'x' }));
      const warnings: string[] = [];
      const lock = await acquireRunLock(dir, { onWarning: (m) => warnings.push(m) });
      assert.equal(warnings.length, 1);
      await lock.release();
    });
  });

  it('refuses a lock held on another host', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, '.lock'), JSON.stringify({ pid: 7, hostname: 'elsewhere', started: 'x' }));
      await assert.rejects(acquireRunLock(dir, { isAlive: () => false }), /locked by process 7 on host elsewhere/);
    });
  });

  it('release removes the lock, then another writer may take it', async () => {
    await withTempDir(async (dir) => {
      const lock = await acquireRunLock(dir);
      await lock.release();
      await assert.rejects(readFile(join(dir, '.lock')), { code: 'ENOENT' });
      await (await acquireRunLock(dir)).release();
      await lock.release(); // idempotent
    });
  });
});
