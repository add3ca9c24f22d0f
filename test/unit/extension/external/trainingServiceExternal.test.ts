import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { projectDirOf } from '../../../../src/extension/process/launch';
import { prepareLaunch } from '../../../../src/extension/process/prepareLaunch';
import { RunStore } from '../../../../src/extension/store/runStore';
import { readerWith } from '../../../support/runReaders';
import { BusyRunError, TrainingService } from '../../../../src/extension/process/trainingService';
import { withHfCheckpoints } from '../../../../src/extension/external/hfCheckpointSource';

describe('TrainingService with external trainers', function () {
  this.timeout(20_000);
  let project: string;
  let model: RunStore;
  let builtInLaunches: number;
  const service = () =>
    new TrainingService({
      model,
      launchFor: () => {
        builtInLaunches++;
        throw new Error('the built-in trainer must not be launched for an external config');
      },
      prepare: (request) =>
        prepareLaunch(request, { execPath: '', script: '', args: [], cwd: projectDirOf(request.configPath), env: {} }),
      stopTimeoutMs: () => 60_000,
    });
  const config = (name: string, body: string) => {
    const file = path.join(project, 'configs', name);
    writeFileSync(file, body);
    return file;
  };

  beforeEach(() => {
    project = mkdtempSync(path.join(tmpdir(), 'tr-ext-service-'));
    mkdirSync(path.join(project, 'configs'));
    builtInLaunches = 0;
    model = new RunStore({
      reader: readerWith(withHfCheckpoints({ list: async () => [], trainerSummary: async () => null })),
    });
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  it('launches the command, shows the run as training, refuses a second one in its folder, and ends "stopped" after Stop', async () => {
    const file = config(
      'ext.yaml',
      `external_trainer:\n  command: [${JSON.stringify(process.execPath)}, -e, "setInterval(() => {}, 1000); process.on('SIGINT', () => process.exit(1))"]\n  output_dir: runs/ext\n`,
    );
    const s = service();
    const handle = await s.start({ configPath: file, sets: [], device: '' });
    const runDir = path.join(project, 'runs', 'ext');
    assert.equal(handle.runDir, runDir);
    assert.equal(model.get(runDir)?.status, 'training');
    assert.equal((await handle.started)?.runDir, runDir);
    await assert.rejects(s.start({ configPath: file, sets: [], device: '' }), BusyRunError);
    assert.equal(s.active().length, 1, 'the refused start spawned nothing');
    const exit = await s.stop(handle);
    assert.equal(exit.status, 'stopped');
    assert.equal(model.get(runDir)?.status, 'stopped');
    assert.equal(
      model.get(runDir)?.record?.configPath,
      file,
      'run.json names the config, so Resume can launch it again',
    );
    assert.equal(builtInLaunches, 0);
  });

  it('a bad config fails at once with its file and line, spawning nothing', async () => {
    const file = config('bad.yaml', `external_trainer:\n  command: [python3]\n  output_dir: out\n  stop_timeout: 3\n`);
    const handle = await service().start({ configPath: file, sets: [], device: '' });
    const exit = await handle.exited;
    assert.equal(exit.status, 'failed');
    assert.equal(handle.process.pid, undefined);
    assert.deepEqual(
      { file: exit.failure?.file, line: exit.failure?.line, field: exit.failure?.field },
      { file, line: 4, field: 'external_trainer.stop_timeout' },
    );
    assert.match(exit.failure?.message ?? '', /unknown key; expected one of command, .*stop_timeout_seconds/);
  });

  it("Stop kills after the config's stop_timeout_seconds rather than the setting", async () => {
    // The child says when its SIGINT handler is in place: a fixed wait lost that race on a busy machine.
    const ready = path.join(project, 'sigint-handler-installed');
    const script = `process.on('SIGINT', () => {}); require('fs').writeFileSync(${JSON.stringify(ready)}, ''); setInterval(() => {}, 1000)`;
    const file = config(
      'stubborn.yaml',
      `external_trainer:\n  command: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(script)}]\n  output_dir: runs/stubborn\n  stop_timeout_seconds: 0.3\n`,
    );
    const s = service();
    const handle = await s.start({ configPath: file, sets: [], device: '' });
    await handle.started;
    while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    const exit = await s.stop(handle);
    assert.equal(exit.forcedKill, true);
    assert.ok(Date.now() - t0 < 10_000, `took ${Date.now() - t0} ms`);
  });
});
