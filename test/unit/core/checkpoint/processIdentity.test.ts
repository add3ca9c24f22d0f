import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemProcessIdentity } from '../../../../src/core/checkpoint/processIdentity';
import { withTempDir } from './helpers';

/** Linux's USER_HZ: /proc/<pid>/stat counts start times in these ticks. */
const TICKS_PER_SECOND = 100;

describe('process identity from /proc', function () {
  before(function () {
    if (process.platform !== 'linux') this.skip();
  });

  it('the boot id is the kernel one, without its newline', () => {
    assert.equal(systemProcessIdentity.bootId(), readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  });

  it("a process's start time is field 22, counted after a command name holding ') ' and spaces", async () => {
    await withTempDir(async (dir) => {
      const oddName = join(dir, 'sl) e p 1 2');
      await symlink('/bin/sleep', oddName);
      const child = spawn(oddName, ['30'], { stdio: 'ignore' });
      try {
        const pid = child.pid!;
        // Until the exec, the child is still a copy of node under another name.
        for (let i = 0; i < 100 && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes('(sl) e p 1 2)'); i++)
          await sleep(20);
        const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
        const started = systemProcessIdentity.startTime(pid);
        assert.match(started ?? '', /^\d+$/);
        // Started just now: its start time in seconds after boot is about the uptime (no other field is).
        assert.ok(Math.abs(Number(started) / TICKS_PER_SECOND - uptime) < 60, `${started} ticks vs uptime ${uptime} s`);
        assert.equal(systemProcessIdentity.startTime(pid), started, 'the same process, the same identity');
      } finally {
        child.kill();
      }
    });
  });
});
