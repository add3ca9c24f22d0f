import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockError } from '../../../../src/core/checkpoint/errors';
import { acquireRunLock } from '../../../../src/core/checkpoint/lock';
import type { ProcessIdentity } from '../../../../src/core/checkpoint/processIdentity';
import { systemProcessIdentity } from '../../../../src/core/checkpoint/processIdentity';
import * as nodeFs from 'node:fs/promises';
import { fsWith, LOCK_T0, otherHostLock, systemError, withTempDir } from './helpers';

/** This machine's identity, except that process `pid` started at `startTime`. */
const identityWith = (pid: number, startTime: string, bootId = 'boot-a'): ProcessIdentity => ({
  bootId: () => bootId,
  startTime: (p) => (p === pid ? startTime : systemProcessIdentity.startTime(p)),
});

describe('run lock', () => {
  it('refuses a second writer while the holder lives, naming its PID', async () => {
    await withTempDir(async (dir) => {
      await writeFile(
        join(dir, '.lock'),
        JSON.stringify({ pid: 4242, hostname: hostname(), started: '2026-01-01T00:00:00Z' }),
      );
      await assert.rejects(acquireRunLock(dir, { isAlive: (pid) => pid === 4242 }), (e: unknown) => {
        assert.ok(e instanceof LockError);
        assert.equal(e.holderPid, 4242);
        assert.equal(
          e.message,
          `${dir} is in use by another trainer (PID 4242, since 2026-01-01T00:00:00Z); stop it or choose another output_dir; if no trainer runs there any more, delete ${join(dir, '.lock')}`,
        );
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

  it('takes over the lock of a restarted container: the same PID, host and boot, but a later process start', async () => {
    await withTempDir(async (dir) => {
      // The old trainer was PID 1 and wrote its start time; the restarted one is PID 1 again (here: this process's PID).
      await writeFile(
        join(dir, '.lock'),
        JSON.stringify({
          pid: process.pid,
          hostname: hostname(),
          started: 'x',
          boot_id: 'boot-a',
          process_start: '100',
          token: 'old',
        }),
      );
      const warnings: string[] = [];
      const started = performance.now();
      const lock = await acquireRunLock(dir, {
        identity: identityWith(process.pid, '5000'),
        onWarning: (m) => warnings.push(m),
      });
      const ms = performance.now() - started;
      assert.deepEqual(warnings, [
        `took over the lock of ${dir} left by process ${process.pid}, whose PID now belongs to a process started later (a restarted container or job)`,
      ]);
      const written = JSON.parse(await readFile(join(dir, '.lock'), 'utf8'));
      assert.equal(written.process_start, '5000');
      assert.equal(written.boot_id, 'boot-a');
      assert.match(written.token, /^[0-9a-f]{32}$/);
      assert.ok(ms < 1000, `${ms} ms`);
      await lock.release();
    });
  });

  it('takes over a lock written before a reboot even when its PID is alive again', async () => {
    await withTempDir(async (dir) => {
      await writeFile(
        join(dir, '.lock'),
        JSON.stringify({
          pid: 4242,
          hostname: hostname(),
          started: 'x',
          boot_id: 'boot-old',
          process_start: '100',
          token: 't',
        }),
      );
      const warnings: string[] = [];
      const lock = await acquireRunLock(dir, {
        isAlive: () => true,
        identity: identityWith(4242, '100', 'boot-new'),
        onWarning: (m) => warnings.push(m),
      });
      assert.deepEqual(warnings, [
        `took over the lock of ${dir} left by process 4242, from before the machine restarted`,
      ]);
      await lock.release();
    });
  });

  it('still refuses a live holder whose start time matches (the same process)', async () => {
    await withTempDir(async (dir) => {
      await writeFile(
        join(dir, '.lock'),
        JSON.stringify({
          pid: 4242,
          hostname: hostname(),
          started: 'x',
          boot_id: 'boot-a',
          process_start: '100',
          token: 't',
        }),
      );
      await assert.rejects(
        acquireRunLock(dir, { isAlive: () => true, identity: identityWith(4242, '100') }),
        /in use by another trainer \(PID 4242/,
      );
    });
  });

  it('reads its own start time from /proc on Linux', function () {
    if (process.platform !== 'linux') this.skip();
    assert.match(systemProcessIdentity.bootId() ?? '', /^[0-9a-f-]{36}$/);
    assert.match(systemProcessIdentity.startTime(process.pid) ?? '', /^\d+$/);
    assert.equal(systemProcessIdentity.startTime(2 ** 30), null);
  });

  it("release leaves a successor's lock alone", async () => {
    await withTempDir(async (dir) => {
      const lock = await acquireRunLock(dir);
      const successor = JSON.stringify({ pid: process.pid, hostname: hostname(), started: 'y', token: 'someone-else' });
      await writeFile(join(dir, '.lock'), successor);
      await lock.release();
      assert.equal(await readFile(join(dir, '.lock'), 'utf8'), successor);
    });
  });

  it('an output_dir that is a file, /dev/null, unwritable, or a lock path that is a folder: one clear LockError', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'file'), 'x');
      await assert.rejects(
        acquireRunLock(join(dir, 'file')),
        new LockError(
          `output_dir ${join(dir, 'file')} cannot be used: it is not a folder (or a path inside it is a file); choose another output_dir`,
          null,
          'EEXIST',
        ),
      );
      await assert.rejects(
        acquireRunLock('/dev/null'),
        /^LockError: output_dir \/dev\/null cannot be used: it is not a folder/,
      );
      await mkdir(join(dir, 'run', '.lock'), { recursive: true });
      await assert.rejects(
        acquireRunLock(join(dir, 'run')),
        new LockError(
          `${join(dir, 'run', '.lock')} is a folder, not a lock file: remove it (or choose another output_dir)`,
          null,
        ),
      );
      // Injected: the tests may run as root, whom permissions do not stop.
      const denied = fsWith({
        writeFile: (async () => Promise.reject(systemError('EACCES'))) as typeof nodeFs.writeFile,
      });
      await assert.rejects(
        acquireRunLock(join(dir, 'ro'), { fs: denied }),
        new LockError(
          `output_dir ${join(dir, 'ro')} cannot be used: permission denied; choose another output_dir`,
          null,
          'EACCES',
        ),
      );
    });
  });
});

describe('run lock renewal', () => {
  const T0 = LOCK_T0;
  const lockOf = (dir: string) =>
    readFile(join(dir, '.lock'), 'utf8').then(
      (t) => JSON.parse(t) as { token: string; renewed_at: string; renew_every_ms: number },
    );
  /** A lock of another host that renewed at T0, every 30 s. */
  const renewingHolder = otherHostLock;

  it("records a token and its renewal period; renew() moves renewed_at, only for the live holder's token", async () => {
    await withTempDir(async (dir) => {
      let now = T0;
      const lock = await acquireRunLock(dir, { renewEveryMs: 0, now: () => now });
      const first = await lockOf(dir);
      assert.match(first.token, /^[0-9a-f]{32}$/);
      assert.equal(first.renewed_at, new Date(T0).toISOString());
      assert.equal(first.renew_every_ms, 0);
      now = T0 + 45_000;
      await lock.renew();
      assert.equal((await lockOf(dir)).renewed_at, new Date(T0 + 45_000).toISOString());
      assert.equal((await lockOf(dir)).token, first.token);
      // Someone else's lock now: the old holder cannot renew it (nor overwrite it).
      const successor = renewingHolder({ hostname: hostname() });
      await writeFile(join(dir, '.lock'), successor);
      await assert.rejects(
        lock.renew(),
        (e: unknown) =>
          e instanceof LockError && /^lost the lock .*\.lock: it is now held by process 4242/.test(e.message),
      );
      assert.equal(await readFile(join(dir, '.lock'), 'utf8'), successor);
      await lock.release();
    });
  });

  it('the holder renews on its own every period until released', async () => {
    await withTempDir(async (dir) => {
      let now = T0;
      const lock = await acquireRunLock(dir, { renewEveryMs: 20, now: () => (now += 1000) });
      const initial = (await lockOf(dir)).renewed_at;
      const deadline = Date.now() + 10_000;
      while ((await lockOf(dir)).renewed_at === initial && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok((await lockOf(dir)).renewed_at > initial, 'the lock was not renewed');
      await lock.release();
      await assert.rejects(readFile(join(dir, '.lock')), /ENOENT/);
    });
  });

  it('refuses a renewing holder of another host, saying when it counts as stale; takes it over once it stopped renewing', async () => {
    await withTempDir(async (dir) => {
      await writeFile(join(dir, '.lock'), renewingHolder());
      const lockPath = join(dir, '.lock');
      await assert.rejects(acquireRunLock(dir, { now: () => T0 + 60_000, renewEveryMs: 0 }), (e: unknown) => {
        assert.ok(e instanceof LockError);
        assert.equal(
          e.message,
          `${dir} is locked by process 4242 on host other-host (${lockPath}); it counts as stale once not renewed for 300 s (last renewed 2026-12-07T00:00:00.000Z); if no trainer runs there any more, delete ${lockPath}`,
        );
        return true;
      });
      const warnings: string[] = [];
      const lock = await acquireRunLock(dir, {
        now: () => T0 + 301_000,
        renewEveryMs: 0,
        onWarning: (m) => warnings.push(m),
      });
      assert.deepEqual(warnings, [
        `took over the lock of ${dir} left by process 4242 on host other-host, which stopped renewing it 301 s ago (it renews every 30 s)`,
      ]);
      assert.equal((await lockOf(dir)).token !== 'theirs', true);
      await lock.release();
    });
  });

  it('on this host, a live holder it can identify keeps the lock however long ago it renewed; one it cannot identify keeps it only while it renews', async () => {
    await withTempDir(async (dir) => {
      const here = (extra: object) =>
        writeFile(
          join(dir, '.lock'),
          renewingHolder({ hostname: hostname(), boot_id: 'boot-a', process_start: '100', ...extra }),
        );
      const later = T0 + 3_600_000;
      await here({});
      await assert.rejects(
        acquireRunLock(dir, {
          isAlive: () => true,
          identity: identityWith(4242, '100'),
          now: () => later,
          renewEveryMs: 0,
        }),
        /in use by another trainer \(PID 4242/,
      );
      // No start time to compare (another OS, no /proc): the renewal decides.
      await here({ process_start: null });
      const warnings: string[] = [];
      const lock = await acquireRunLock(dir, {
        isAlive: () => true,
        identity: identityWith(4242, '100'),
        now: () => later,
        renewEveryMs: 0,
        onWarning: (m) => warnings.push(m),
      });
      assert.match(
        warnings[0] ?? '',
        /left by process 4242, which stopped renewing it 3600 s ago \(it renews every 30 s\)$/,
      );
      await lock.release();
      await here({ process_start: null });
      await assert.rejects(
        acquireRunLock(dir, {
          isAlive: () => true,
          identity: identityWith(4242, '100'),
          now: () => T0 + 120_000,
          renewEveryMs: 0,
        }),
        /in use by another trainer/,
      );
    });
  });
});
