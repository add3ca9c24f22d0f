/**
 * The extension survives its trainer: a trainer that crashes, hangs (no event for the set time) or
 * only sends garbage is reported and cleaned up (no process left), while another run in the same
 * window goes on; closing the window (dispose) leaves no child process, checked in the process table.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RunStore } from '../../../src/extension/store/runStore';
import { emptyReader } from '../../support/runReaders';
import { TrainingService, type TrainingHandle } from '../../../src/extension/process/trainingService';
import { buildTrainer, trainerBundle, writeTinyConfig } from './helpers';

const misbehaving = path.join(__dirname, 'fixtures', 'misbehavingTrainer.cjs');

/** PIDs in the process table (ps), so a zombie or an orphan would show. */
function processTable(): Set<number> {
  return new Set(
    execFileSync('ps', ['-e', '-o', 'pid='])
      .toString()
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0),
  );
}

async function waitUntil(what: string, done: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!done()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('reliability: the extension survives its trainer', function () {
  this.timeout(30_000);
  let root = '';
  let model: RunStore;
  let logs: string[];

  /**
   * One window with the given hang timeout (0: none): `tiny.yaml` runs the real trainer bundle; any other config
   * name is the mode of the misbehaving fake.
   */
  let services: TrainingService[] = [];
  const windowService = (hangTimeoutMs: number) => {
    const service = new TrainingService({
      model,
      launchFor: (request) => {
        const mode = path.basename(request.configPath, '.yaml');
        const real = mode === 'tiny';
        return {
          execPath: process.execPath,
          script: real ? trainerBundle : misbehaving,
          args: ['train', '-t', request.configPath, ...request.sets.flatMap((s) => ['--set', s])],
          cwd: root,
          env: { ...process.env, MISBEHAVE: mode, RUN_DIR: path.join(root, mode) },
        };
      },
      prepare: async (request) => ({
        runDir: path.join(root, path.basename(request.configPath, '.yaml')),
        start: null,
      }),
      stopTimeoutMs: () => 2000,
      hangTimeoutMs: () => hangTimeoutMs,
    });
    services.push(service);
    return service;
  };
  const start = async (service: TrainingService, mode: string): Promise<TrainingHandle> => {
    const handle = await service.start({ configPath: path.join(root, `${mode}.yaml`), sets: [], device: '' });
    handle.process.onLog((l) => logs.push(l.text));
    return handle;
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'survives-'));
    model = new RunStore({ reader: emptyReader() });
    logs = [];
  });
  afterEach(() => {
    // A failed assertion must not leave trainers running (they would keep mocha alive).
    for (const s of services) s.dispose();
    services = [];
    rmSync(root, { recursive: true, force: true });
  });

  // The hang timeout counts from the spawn: on a loaded machine a process can take over a second to
  // send its first event, so the timeouts leave room for that (none for the crash, which exits at once).
  for (const [mode, hangTimeoutMs, expected] of [
    ['crash', 0, /exited with code 134 without reporting a result[\s\S]*heap out of memory/],
    ['hang', 4000, /sent no event for 4 s and was killed \(it looked hung/],
    ['garbage', 4000, /sent no event for 4 s and was killed/],
  ] as const) {
    it(`a trainer that ${mode === 'crash' ? 'crashes' : mode === 'hang' ? 'hangs' : 'only sends garbage'} is reported failed and gone, while another run goes on`, async () => {
      const service = windowService(hangTimeoutMs);
      const steady = await start(service, 'steady');
      await steady.firstStep;
      const bad = await start(service, mode);
      const exit = await bad.exited;
      assert.equal(exit.status, 'failed');
      assert.match(exit.message ?? '', expected);
      assert.equal(model.get(path.join(root, mode))?.status, 'failed');
      assert.match(model.get(path.join(root, mode))?.statusDetail ?? '', expected);
      assert.ok(!processTable().has(bad.process.pid!), 'the bad trainer is gone from the process table');
      if (mode === 'garbage')
        assert.ok(
          logs.some((l) => l.startsWith('Ignored an invalid message from the trainer')),
          'garbage is logged',
        );

      // The other run was untouched and still answers.
      assert.ok(steady.process.running);
      assert.equal(model.get(path.join(root, 'steady'))?.status, 'training');
      const stepBefore = model.get(path.join(root, 'steady'))?.live?.step ?? 0;
      await waitUntil(
        'the steady run to keep stepping',
        () => (model.get(path.join(root, 'steady'))?.live?.step ?? 0) > stepBefore + 2,
      );
      const stopped = await service.stop(steady);
      assert.equal(stopped.status, 'stopped');
      service.dispose();
    });
  }

  it('closing the window (dispose) leaves no trainer in the process table, real trainers included', async function () {
    await buildTrainer();
    writeTinyConfig(root);
    // No hang timeout here: loading tfjs on a busy machine can take longer than 1 s.
    const service = windowService(0);
    const real = await service.start({
      configPath: path.join(root, 'tiny.yaml'),
      sets: ['max_steps=1000000', 'log_steps=1'],
      device: '',
    });
    real.process.onLog((l) => logs.push(l.text));
    const fakes = [await start(service, 'steady'), await start(service, 'hang')];
    await Promise.all([real.firstStep, ...fakes.map((h) => h.started)]);
    assert.ok(await real.firstStep, `the real trainer is training: ${logs.join('')}`);
    const pids = service.active().map((h) => h.process.pid!);
    assert.equal(pids.length, 3);
    service.dispose();
    await waitUntil('every trainer to leave the process table', () => pids.every((pid) => !processTable().has(pid)));
  });
});
