import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseTrainerEvent, type TrainerEvent } from '../../../../src/core/protocol/trainerEvents';
import type { ExternalTrainerPlan } from '../../../../src/extension/external/externalConfig';
import {
  ExternalTrainerProcess,
  maxStepsArg,
  prepareExternalStart,
} from '../../../../src/extension/external/externalTrainerProcess';
import { readRunRecord } from '../../../../src/core/run/index';

/** A launcher like torchrun: it starts a worker in its own process group and waits. */
const LAUNCHER = `
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const [mode, pidFile] = process.argv.slice(2);
const worker = spawn(process.execPath, ['-e', ${JSON.stringify(`
  const mode = process.argv[1];
  process.on('SIGINT', () => { console.log('worker got SIGINT'); if (mode === 'graceful') process.exit(0); });
  console.log('worker ready');
  setInterval(() => {}, 1000);
`)}, mode], { stdio: 'inherit' });
fs.writeFileSync(pidFile, String(worker.pid));
if (mode === 'orphan') process.exit(0);
process.on('SIGINT', () => {
  console.log('launcher got SIGINT');
  if (mode === 'graceful') worker.on('exit', () => process.exit(1)); // torchrun exits 1 after SIGINT
});
setInterval(() => {}, 1000);
`;

/** Writes one Hugging Face checkpoint the way train.py does (temporary folder, then rename), then exits 0. */
const SAVER = `
const fs = require('node:fs'), path = require('node:path');
const out = process.argv[2];
const tmp = path.join(out, 'tmp-checkpoint-3');
fs.mkdirSync(tmp, { recursive: true });
const header = Buffer.from('{}'), len = Buffer.alloc(8); len.writeBigUInt64LE(2n);
fs.writeFileSync(path.join(tmp, 'model.safetensors'), Buffer.concat([len, header]));
fs.writeFileSync(path.join(tmp, 'trainer_state.json'), JSON.stringify({ global_step: 3, epoch: 0.3, max_steps: 3,
  log_history: [1, 2, 3].map((step) => ({ step, loss: 1 / step, learning_rate: 0.1, epoch: step / 10 })) }));
fs.renameSync(tmp, path.join(out, 'checkpoint-3'));
`;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie waiting to be reaped is dead for our purpose.
  const stat = (() => {
    try {
      return readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return '';
    }
  })();
  return !/\) Z /.test(stat);
}

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return check();
}

describe('ExternalTrainerProcess', function () {
  this.timeout(20_000);
  let dir: string;
  const plan = (argv: string[], extra: Partial<ExternalTrainerPlan> = {}): ExternalTrainerPlan => ({
    configPath: path.join(dir, 'configs', 'ext.yaml'),
    name: 'ext',
    argv,
    cwd: dir,
    env: {},
    outputDir: path.join(dir, 'out'),
    resumeFrom: null,
    stopTimeoutMs: null,
    maxSteps: null,
    checkpointFormat: 'huggingface',
    launcher: { type: 'local' },
    resumeArgsWithSlot: null,
    ...extra,
  });
  const launch = async (p: ExternalTrainerPlan) => {
    const proc = new ExternalTrainerProcess(p, await prepareExternalStart(p), { pollMs: 50 });
    let log = '';
    const events: TrainerEvent[] = [];
    proc.onLog((l) => (log += l.text));
    proc.onEvent((e) => events.push(e));
    return { proc, log: () => log, events };
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tr-ext-proc-'));
    writeFileSync(path.join(dir, 'launcher.js'), LAUNCHER);
    writeFileSync(path.join(dir, 'saver.js'), SAVER);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('Stop sends SIGINT to the whole process group; an exit after Stop is "stopped" even with code 1', async () => {
    const pidFile = path.join(dir, 'worker.pid');
    const { proc, log } = await launch(plan([process.execPath, 'launcher.js', 'graceful', pidFile]));
    assert.ok(await until(() => log().includes('worker ready')), log());
    const exit = await proc.stop(10_000);
    // The launcher does not forward the signal: the worker got it because the whole group did.
    assert.match(log(), /worker got SIGINT/);
    assert.match(log(), /launcher got SIGINT/);
    assert.match(log(), new RegExp(`sending SIGINT to process group ${proc.pid}`));
    assert.deepEqual(
      { status: exit.status, exitCode: exit.exitCode, forcedKill: exit.forcedKill },
      { status: 'stopped', exitCode: 1, forcedKill: false },
    );
    const { record } = await readRunRecord(path.join(dir, 'out'));
    assert.equal(record?.status, 'stopped');
    assert.equal(record?.pid, proc.pid);
    assert.equal(record?.configPath, path.join(dir, 'configs', 'ext.yaml'));
  });

  it('kills the whole group after the stop timeout when SIGINT is ignored', async () => {
    const pidFile = path.join(dir, 'worker.pid');
    const { proc, log } = await launch(plan([process.execPath, 'launcher.js', 'stubborn', pidFile]));
    assert.ok(await until(() => log().includes('worker ready')), log());
    const workerPid = Number(readFileSync(pidFile, 'utf8'));
    const t0 = Date.now();
    const exit = await proc.stop(300);
    assert.ok(Date.now() - t0 >= 290, 'killed before the timeout');
    assert.equal(exit.status, 'stopped');
    assert.equal(exit.forcedKill, true);
    assert.equal(exit.signal, 'SIGKILL');
    assert.match(exit.message ?? '', /did not stop in time and was killed/);
    assert.ok(await until(() => !isAlive(workerPid)), `worker ${workerPid} outlived the kill`);
  });

  it('offers the config stop timeout to Stop, and honours the timeout it is given', async () => {
    const { proc, log } = await launch(
      plan([process.execPath, 'launcher.js', 'stubborn', path.join(dir, 'w.pid')], { stopTimeoutMs: 45_000 }),
    );
    assert.equal(proc.stopTimeoutMs, 45_000);
    assert.ok(await until(() => log().includes('worker ready')));
    const t0 = Date.now();
    const exit = await proc.stop(200); // e.g. the window closing: a short grace whatever the config says
    assert.equal(exit.forcedKill, true);
    assert.ok(Date.now() - t0 < 5000);
  });

  it('kills processes of its group left behind by a launcher that exited', async () => {
    const pidFile = path.join(dir, 'worker.pid');
    const { proc } = await launch(plan([process.execPath, 'launcher.js', 'orphan', pidFile]));
    const exit = await proc.exited;
    assert.equal(exit.status, 'finished');
    const workerPid = Number(readFileSync(pidFile, 'utf8'));
    assert.ok(await until(() => !isAlive(workerPid)), `worker ${workerPid} outlived its launcher`);
  });

  it('exit 0 is "finished"; another exit code is "failed" with the end of stderr', async () => {
    const ok = await launch(plan([process.execPath, '-e', 'process.exit(0)']));
    assert.equal((await ok.proc.exited).status, 'finished');
    const bad = await launch(plan([process.execPath, '-e', 'console.error("CUDA out of memory"); process.exit(3)']));
    const exit = await bad.proc.exited;
    assert.equal(exit.status, 'failed');
    assert.equal(exit.exitCode, 3);
    assert.match(exit.message ?? '', /exited with code 3\.\nCUDA out of memory/);
    assert.equal((await readRunRecord(path.join(dir, 'out'))).record?.status, 'failed');
  });

  it('a program that cannot be started fails, naming it and the config', async () => {
    const { proc, events } = await launch(plan(['/nonexistent/python3', 'train.py']));
    const exit = await proc.exited;
    assert.equal(exit.status, 'failed');
    assert.match(
      exit.message ?? '',
      /Could not start \/nonexistent\/python3: .*ENOENT.*external_trainer\.command in .*ext\.yaml/,
    );
    assert.equal(events.length, 0, 'no started event for a process that never ran');
  });

  it('reports started, the checkpoint the trainer wrote, its loss log and the end as valid trainer events', async () => {
    const out = path.join(dir, 'out');
    const { proc, events } = await launch(
      plan([process.execPath, 'saver.js', '{output_dir}'.replace('{output_dir}', out)]),
    );
    const exit = await proc.exited;
    assert.equal(exit.status, 'finished');
    for (const e of events) assert.ok(parseTrainerEvent(e).ok, `invalid event ${JSON.stringify(e)}`);
    assert.deepEqual(
      events.map((e) => e.type),
      ['started', 'step', 'step', 'step', 'checkpoint_saved', 'finished'],
    );
    const started = events[0] as Extract<TrainerEvent, { type: 'started' }>;
    assert.equal(started.runDir, out);
    assert.equal(started.pid, proc.pid);
    assert.deepEqual(
      events.filter((e) => e.type === 'step').map((e) => [e.step, e.loss, e.maxSteps]),
      [
        [1, 1, 3],
        [2, 0.5, 3],
        [3, 1 / 3, 3],
      ],
    );
    const saved = events[4] as Extract<TrainerEvent, { type: 'checkpoint_saved' }>;
    assert.equal(saved.path, path.join(out, 'checkpoint-3'));
    assert.ok(saved.bytes > 0);
    assert.deepEqual(events[5], { ...events[5], type: 'finished', status: 'finished', step: 3 });
  });

  it('sends a resumed event with the checkpoint step when resuming', async () => {
    const out = path.join(dir, 'out');
    const first = await launch(plan([process.execPath, 'saver.js', out]));
    await first.proc.exited;
    const checkpoint = path.join(out, 'checkpoint-3');
    const second = await launch(plan([process.execPath, '-e', ''], { resumeFrom: checkpoint }));
    await second.proc.exited;
    assert.deepEqual(
      second.events.slice(0, 2).map((e) => e.type),
      ['started', 'resumed'],
    );
    assert.equal((second.events[0] as Extract<TrainerEvent, { type: 'started' }>).startStep, 3);
    assert.equal((second.events[1] as Extract<TrainerEvent, { type: 'resumed' }>).path, checkpoint);
  });

  it('finds --max_steps on the command line', () => {
    assert.equal(maxStepsArg(['train.py', '--max_steps', '200']), 200);
    assert.equal(maxStepsArg(['train.py', '--max_steps=50']), 50);
    assert.equal(maxStepsArg(['train.py', '--max_steps', 'x']), null);
  });
});
