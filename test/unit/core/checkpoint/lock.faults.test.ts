import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockError } from '../../../../src/core/checkpoint/errors';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { acquireRunLock, isProcessAlive } from '../../../../src/core/checkpoint/lock';
import { alwaysFails, virtualFs } from './faultFs';
import { systemError, withTempDir } from './helpers';

const lockText = (pid: number, host = hostname()) =>
  JSON.stringify({ pid, hostname: host, started: '2026-01-01T00:00:00Z' });

/** process.kill replaced for one call of `run`. */
function withKill(kill: (pid: number, signal?: string | number) => true, run: () => void): void {
  const original = process.kill;
  process.kill = kill as typeof process.kill;
  try {
    run();
  } finally {
    process.kill = original;
  }
}

describe('run lock: liveness and faults', () => {
  it('isProcessAlive: this process lives, a process that cannot exist does not', () => {
    assert.equal(isProcessAlive(process.pid), true);
    assert.equal(isProcessAlive(2 ** 30), false);
  });

  it("isProcessAlive: EPERM (another user's process) is alive, ESRCH is not", () => {
    withKill(
      () => {
        throw systemError('EPERM', 'operation not permitted');
      },
      () => assert.equal(isProcessAlive(77), true),
    );
    withKill(
      () => {
        throw systemError('ESRCH', 'no such process');
      },
      () => assert.equal(isProcessAlive(77), false),
    );
  });

  it('refuses a lock whose holder is alive only by EPERM (never two trainers on one run)', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, '.lock'), lockText(4242));
      const original = process.kill;
      process.kill = (() => {
        throw systemError('EPERM', 'operation not permitted');
      }) as typeof process.kill;
      try {
        await assert.rejects(acquireRunLock(dir), (e: unknown) => e instanceof LockError && e.holderPid === 4242);
      } finally {
        process.kill = original;
      }
      assert.equal(await readFile(join(dir, '.lock'), 'utf8'), lockText(4242));
    });
  });

  it('writes its PID, host and start time, creating the run folder, all through the injected fs', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const dir = join(v.root, 'new-run');
      const lock = await acquireRunLock(dir, { fs: v.fs });
      assert.equal(lock.path, join(dir, '.lock'));
      const text = await readFile(join(real, 'new-run', '.lock'), 'utf8');
      assert.ok(text.endsWith('}\n'));
      const content = JSON.parse(text);
      assert.equal(content.pid, process.pid);
      assert.equal(content.hostname, hostname());
      assert.ok(Math.abs(Date.parse(content.started) - Date.now()) < 60_000);
      await lock.release();
      await assert.rejects(readFile(join(real, 'new-run', '.lock')), { code: 'ENOENT' });
    });
  });

  for (const code of ['EACCES', 'EROFS']) {
    it(`surfaces ${code} when writing the lock (not "others keep taking it")`, async () => {
      await withTempDir(async (real) => {
        const v = virtualFs(real);
        v.override('writeFile', () => alwaysFails<CheckpointFs['writeFile']>(code));
        await assert.rejects(acquireRunLock(v.root, { fs: v.fs }), { code });
        assert.equal(v.calls.writeFile, 1);
      });
    });
  }

  it('surfaces a read error of an existing lock other than ENOENT', async () => {
    await withTempDir(async (real) => {
      await writeFile(join(real, '.lock'), lockText(4242));
      const v = virtualFs(real);
      v.override('readFile', () => alwaysFails<CheckpointFs['readFile']>('EIO'));
      await assert.rejects(acquireRunLock(v.root, { fs: v.fs, isAlive: () => false }), { code: 'EIO' });
    });
  });

  it("surfaces a failure to move a dead holder's lock aside other than ENOENT", async () => {
    await withTempDir(async (real) => {
      await writeFile(join(real, '.lock'), lockText(4242));
      const v = virtualFs(real);
      v.override('rename', () => alwaysFails<CheckpointFs['rename']>('EACCES'));
      await assert.rejects(acquireRunLock(v.root, { fs: v.fs, isAlive: () => false }), { code: 'EACCES' });
      assert.equal(await readFile(join(real, '.lock'), 'utf8'), lockText(4242));
    });
  });

  it('tries exactly 5 times when the lock keeps appearing and vanishing, then says so', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      v.override('writeFile', () => alwaysFails<CheckpointFs['writeFile']>('EEXIST'));
      v.override('readFile', () => alwaysFails<CheckpointFs['readFile']>('ENOENT'));
      await assert.rejects(acquireRunLock(v.root, { fs: v.fs }), (e: unknown) => {
        assert.ok(e instanceof LockError);
        assert.equal(e.holderPid, null);
        assert.equal(e.message, `could not acquire ${join(v.root, '.lock')}: other trainers keep taking it`);
        return true;
      });
      assert.equal(v.calls.writeFile, 5);
    });
  });

  it("tries again when the dead holder's lock vanished before it could be moved aside", async () => {
    await withTempDir(async (real) => {
      await writeFile(join(real, '.lock'), lockText(4242));
      const v = virtualFs(real);
      let renames = 0;
      v.override(
        'rename',
        (rename) =>
          (async (from: string, to: string) => {
            if (renames++ === 0) {
              await v.fs.unlink(from); // the holder released it meanwhile
              throw systemError('ENOENT');
            }
            return rename(from, to);
          }) as CheckpointFs['rename'],
      );
      const warnings: string[] = [];
      const lock = await acquireRunLock(v.root, { fs: v.fs, isAlive: () => false, onWarning: (m) => warnings.push(m) });
      assert.deepEqual(warnings, []);
      assert.equal(JSON.parse(await readFile(join(real, '.lock'), 'utf8')).pid, process.pid);
      await lock.release();
    });
  });

  it('gives the lock back when another trainer took it over between its read and its move', async () => {
    await withTempDir(async (real) => {
      await writeFile(join(real, '.lock'), lockText(4242));
      const v = virtualFs(real);
      let raced = false;
      v.override(
        'rename',
        (rename) =>
          (async (from: string, to: string) => {
            if (!raced && to.includes('.stale-')) {
              raced = true;
              // Trainer 5151 took the dead lock over first: what we move aside is now its live lock.
              await writeFile(join(real, '.lock'), lockText(5151));
            }
            return rename(from, to);
          }) as CheckpointFs['rename'],
      );
      await assert.rejects(
        acquireRunLock(v.root, { fs: v.fs, isAlive: (pid) => pid === 5151 }),
        (e: unknown) => e instanceof LockError && e.holderPid === 5151,
      );
      assert.equal(await readFile(join(real, '.lock'), 'utf8'), lockText(5151));
      assert.equal(v.calls.unlink, 0);
    });
  });

  it('replaces a lock file cut short by a crash, saying so', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, '.lock'), '{"pid": 42');
      const warnings: string[] = [];
      const lock = await acquireRunLock(dir, { onWarning: (m) => warnings.push(m) });
      assert.deepEqual(warnings, [
        `replaced an unreadable lock file ${join(dir, '.lock')} (left by a crashed trainer)`,
      ]);
      await lock.release();
    });
  });

  it('treats a lock naming no integer PID or no host as unreadable', async () => {
    for (const text of [
      JSON.stringify({ pid: 1.5, hostname: hostname() }),
      JSON.stringify({ pid: 42 }),
      JSON.stringify({ pid: 42, hostname: 7 }),
    ]) {
      await withTempDir(async (dir) => {
        await writeFile(join(dir, '.lock'), text);
        const warnings: string[] = [];
        // A readable lock of a live process 42 would be refused: these are replaced instead.
        const lock = await acquireRunLock(dir, { onWarning: (m) => warnings.push(m), isAlive: () => true });
        assert.match(warnings[0] ?? '', /replaced an unreadable lock file/, text);
        await lock.release();
      });
    }
  });

  it("takes over a dead holder's lock when nobody listens for warnings", async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, '.lock'), lockText(4242));
      const lock = await acquireRunLock(dir, { isAlive: () => false });
      assert.equal(JSON.parse(await readFile(join(dir, '.lock'), 'utf8')).pid, process.pid);
      await lock.release();
    });
  });

  it('release leaves a lock it does not own (taken over meanwhile) in place', async () => {
    await withTempDir(async (dir) => {
      const lock = await acquireRunLock(dir);
      await writeFile(join(dir, '.lock'), lockText(5151));
      await lock.release();
      assert.equal(await readFile(join(dir, '.lock'), 'utf8'), lockText(5151));
    });
  });

  it('release surfaces errors other than a missing lock', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      const lock = await acquireRunLock(v.root, { fs: v.fs });
      v.override('unlink', () => alwaysFails<CheckpointFs['unlink']>('EROFS'));
      await assert.rejects(lock.release(), { code: 'EROFS' });
    });
  });
});
