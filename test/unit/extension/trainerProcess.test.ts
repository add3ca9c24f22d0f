import assert from 'node:assert/strict';
import * as path from 'node:path';
import { TrainerProcess, type TrainerLaunch } from '../../../src/extension/process/trainerProcess';
import type { TrainerEvent } from '../../../src/core/protocol/trainerEvents';

const fake = path.join(__dirname, 'fixtures', 'fakeTrainer.cjs');

function launch(mode: string, execPath = process.execPath): TrainerLaunch {
  return {
    execPath,
    script: fake,
    args: ['train', '-t', '/x/train.yaml'],
    cwd: __dirname,
    env: { ...process.env, FAKE_TRAINER_MODE: mode },
  };
}

function record(p: TrainerProcess): { events: TrainerEvent[]; logs: string[] } {
  const events: TrainerEvent[] = [];
  const logs: string[] = [];
  p.onEvent((e) => events.push(e));
  p.onLog((l) => logs.push(`${l.stream}: ${l.text}`));
  return { events, logs };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('TrainerProcess', () => {
  it('delivers validated events in order and ends "finished" on exit 0', async () => {
    const p = new TrainerProcess(launch('normal'));
    const { events } = record(p);
    const exit = await p.exited;
    assert.deepEqual(
      events.map((e) => e.type),
      ['started', 'step', 'step', 'step', 'finished'],
    );
    assert.equal(exit.status, 'finished');
    assert.equal(exit.exitCode, 0);
    assert.equal(p.running, false);
  });

  it('ignores garbage on the channel, logs why, and keeps the valid events', async () => {
    const p = new TrainerProcess(launch('garbage'));
    const { events, logs } = record(p);
    const exit = await p.exited;
    assert.deepEqual(
      events.map((e) => e.type),
      ['started', 'step', 'finished'],
    );
    const ignored = logs.filter((l) => l.startsWith('runner: Ignored an invalid message'));
    assert.equal(ignored.length, 3);
    assert.match(ignored[0] ?? '', /step/);
    assert.equal(exit.status, 'finished');
  });

  it('stops a trainer that announces another protocol version, naming both versions', async () => {
    const p = new TrainerProcess(launch('other-protocol'));
    const { events } = record(p);
    const exit = await p.exited;
    assert.deepEqual(events, []);
    assert.equal(exit.status, 'failed');
    assert.match(exit.message ?? '', /trainer speaks protocol version 2 but this extension speaks version 1/);
  });

  it('reports a crash with its exit code and the end of stderr', async () => {
    const p = new TrainerProcess(launch('crash'));
    const exit = await p.exited;
    assert.equal(exit.status, 'failed');
    assert.equal(exit.exitCode, 3);
    assert.match(exit.message ?? '', /exited with code 3/);
    assert.match(exit.message ?? '', /out of memory in fake trainer/);
  });

  it("keeps the trainer's config failure with its file and line", async () => {
    const p = new TrainerProcess(launch('config-error'));
    const exit = await p.exited;
    assert.equal(exit.status, 'failed');
    assert.equal(exit.exitCode, 2);
    assert.equal(exit.failure?.file, '/x/train.yaml');
    assert.equal(exit.failure?.line, 7);
  });

  it('stops gracefully: the trainer saves, says "stopped", and is not killed', async () => {
    const p = new TrainerProcess(launch('graceful'));
    const { events } = record(p);
    await new Promise<void>((resolve) => p.onEvent((e) => e.type === 'step' && e.step >= 2 && resolve()));
    const exit = await p.stop(5000);
    assert.equal(exit.status, 'stopped');
    assert.equal(exit.forcedKill, false);
    assert.deepEqual(
      events.slice(-2).map((e) => e.type),
      ['checkpoint_saved', 'finished'],
    );
  });

  it('kills a trainer that ignores the stop request after the timeout', async () => {
    const p = new TrainerProcess(launch('ignore-stop'));
    await new Promise<void>((resolve) => p.onEvent((e) => e.type === 'step' && resolve()));
    const pid = p.pid ?? -1;
    const t0 = Date.now();
    const exit = await p.stop(300);
    const waited = Date.now() - t0;
    assert.equal(exit.forcedKill, true);
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.status, 'stopped');
    assert.ok(waited >= 280 && waited < 3000, `waited ${waited} ms`);
    assert.equal(isAlive(pid), false);
  });

  it('dispose kills a running trainer so no child outlives the window', async () => {
    const p = new TrainerProcess(launch('ignore-stop'));
    await new Promise<void>((resolve) => p.onEvent((e) => e.type === 'started' && resolve()));
    const pid = p.pid ?? -1;
    p.dispose();
    const exit = await p.exited;
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(exit.status, 'failed');
    assert.equal(isAlive(pid), false);
  });

  it('reports an executable that cannot be started, naming it', async () => {
    const p = new TrainerProcess(launch('normal', '/nonexistent/node'));
    const exit = await p.exited;
    assert.equal(exit.status, 'failed');
    assert.match(exit.message ?? '', /\/nonexistent\/node/);
  });
});
