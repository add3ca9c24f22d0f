/** When a lock of another host counts as stale (exactly at the bound, odd renewal periods), what a refusal says, and renewal's own writes. */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LockError } from '../../../../src/core/checkpoint/errors';
import { acquireRunLock } from '../../../../src/core/checkpoint/lock';
import { LOCK_T0, otherHostLock, withTempDir } from './helpers';

/** The refusal's message when acquiring at `now` over `lockText`, or 'taken' when it took the lock over. */
async function attempt(dir: string, lockText: string, now: number): Promise<string> {
  await writeFile(join(dir, '.lock'), lockText);
  try {
    const lock = await acquireRunLock(dir, { now: () => now, renewEveryMs: 0 });
    await lock.release();
    return 'taken';
  } catch (error) {
    assert.ok(error instanceof LockError);
    assert.equal(error.holderPid, 4242);
    return error.message;
  }
}

const refusal = (dir: string, hint = '') =>
  `${dir} is locked by process 4242 on host other-host (${join(dir, '.lock')})${hint}; if no trainer runs there any more, delete ${join(dir, '.lock')}`;

describe('run lock: staleness of another host', () => {
  it('silent for exactly ten periods is not stale yet; a millisecond more is', async () => {
    await withTempDir(async (dir) => {
      const hint = '; it counts as stale once not renewed for 300 s (last renewed 2026-12-07T00:00:00.000Z)';
      assert.equal(await attempt(dir, otherHostLock(), LOCK_T0 + 300_000), refusal(dir, hint));
      assert.equal(await attempt(dir, otherHostLock(), LOCK_T0 + 300_001), 'taken');
    });
  });

  it('a holder that never promised to renew (period 0, negative, absent) or never said when it did is never stale', async () => {
    await withTempDir(async (dir) => {
      const long = LOCK_T0 + 10 ** 9;
      assert.equal(await attempt(dir, otherHostLock({ renew_every_ms: 0 }), long), refusal(dir));
      // Refused either way; what its hint says of such a period does not matter here.
      const lockedBy = `${dir} is locked by process 4242 on host other-host`;
      assert.ok((await attempt(dir, otherHostLock({ renew_every_ms: -1000 }), long)).startsWith(lockedBy));
      assert.equal(await attempt(dir, otherHostLock({ renew_every_ms: undefined }), long), refusal(dir));
      assert.equal(await attempt(dir, otherHostLock({ renewed_at: undefined }), long), refusal(dir));
      assert.ok((await attempt(dir, otherHostLock({ renewed_at: 'yesterday' }), long)).startsWith(lockedBy));
    });
  });
});

describe('run lock: renewal', () => {
  it('with a period of 0 it never renews on its own', async () => {
    await withTempDir(async (dir) => {
      let now = LOCK_T0;
      const lock = await acquireRunLock(dir, { renewEveryMs: 0, now: () => now });
      now = LOCK_T0 + 60_000;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const held = JSON.parse(await readFile(join(dir, '.lock'), 'utf8')) as { renewed_at: string };
      assert.equal(held.renewed_at, new Date(LOCK_T0).toISOString());
      await lock.release();
    });
  });

  it('writes the renewed lock as one JSON line; a lock now of another holder or unreadable is lost, naming the holder', async () => {
    await withTempDir(async (dir) => {
      const lock = await acquireRunLock(dir, { renewEveryMs: 0 });
      await lock.renew();
      const text = await readFile(join(dir, '.lock'), 'utf8');
      assert.match(text, /^\{.*\}\n$/);
      await writeFile(join(dir, '.lock'), otherHostLock({ hostname: hostname() }));
      await assert.rejects(lock.renew(), (e: unknown) => e instanceof LockError && e.holderPid === 4242);
      await writeFile(join(dir, '.lock'), '{"pid":');
      await assert.rejects(
        lock.renew(),
        (e: unknown) => e instanceof LockError && e.holderPid === null && /held by nobody/.test(e.message),
      );
      await lock.release();
      assert.equal(await readFile(join(dir, '.lock'), 'utf8'), '{"pid":', 'release leaves a lock that is not its own');
    });
  });
});
