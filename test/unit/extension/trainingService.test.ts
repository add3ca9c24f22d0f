import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatAge, formatBytes, formatDuration, formatValue } from '../../../src/core/format';
import { resumeLabel } from '../../../src/extension/model/labels';
import { RunStore } from '../../../src/extension/store/runStore';
import { emptyReader } from '../../support/runReaders';
import type { CheckpointView, RunView } from '../../../src/extension/store/runView';
import { BusyRunError, TrainingService } from '../../../src/extension/process/trainingService';

const fake = path.join(__dirname, 'fixtures', 'fakeTrainer.cjs');

describe('TrainingService', () => {
  let root: string;
  let runDir: string;
  let model: RunStore;

  const service = (mode: string, knownDir: () => string | null = () => runDir) =>
    new TrainingService({
      model,
      launchFor: (request) => ({
        execPath: process.execPath,
        script: fake,
        args: ['train', '-t', request.configPath],
        cwd: root,
        env: { ...process.env, FAKE_TRAINER_MODE: mode, FAKE_RUN_DIR: runDir },
      }),
      prepare: async () => ({ runDir: knownDir(), start: null }),
      stopTimeoutMs: () => 2000,
    });

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tr-service-'));
    runDir = path.join(root, 'run');
    model = new RunStore({ reader: emptyReader() });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a second trainer in the same output folder before starting a process', async () => {
    const s = service('graceful');
    const first = await s.start({ configPath: '/p/configs/a.yaml', sets: [], device: '' });
    await assert.rejects(s.start({ configPath: '/p/configs/b.yaml', sets: [], device: '' }), BusyRunError);
    assert.equal(s.active().length, 1);
    const exit = await s.stop(first);
    assert.equal(exit.status, 'stopped');
    assert.equal(s.active().length, 0);
  });

  it('resolves `exited` only once the model shows the final status', async () => {
    const s = service('normal');
    const handle = await s.start({ configPath: '/p/configs/a.yaml', sets: [], device: '' });
    assert.equal(model.get(runDir)?.status, 'training');
    const exit = await handle.exited;
    assert.equal(exit.status, 'finished');
    assert.equal(model.get(runDir)?.status, 'finished');
    assert.equal((await handle.firstStep)?.step, 1);
  });

  it('learns the folder from the `started` event when the config could not be read first', async () => {
    const s = service('normal', () => null);
    const handle = await s.start({ configPath: '/p/configs/a.yaml', sets: [], device: '' });
    assert.equal(handle.runDir, null);
    await handle.started;
    assert.equal(handle.runDir, runDir);
    await handle.exited;
    assert.equal(model.get(runDir)?.status, 'finished');
  });

  it("leaves run.json's status alone when the trainer never started (config error)", async () => {
    const s = service('config-error');
    const handle = await s.start({ configPath: '/p/configs/a.yaml', sets: [], device: '' });
    const exit = await handle.exited;
    assert.equal(exit.failure?.line, 7);
    assert.equal(await handle.started, null);
    assert.equal(model.get(runDir)?.status, 'unknown');
  });
});

describe('labels and figures', () => {
  it('labels a resume choice as "run · checkpoint · age · loss"', () => {
    const run = { name: 'checkpointing' } as RunView;
    const c = { name: 'checkpoint-500', mtimeMs: 1_000_000, loss: 0.41234 } as CheckpointView;
    assert.equal(
      resumeLabel(run, c, 1_000_000 + 3 * 60_000),
      'checkpointing · checkpoint-500 · 3 min ago · loss 0.4123',
    );
    assert.equal(resumeLabel(run, { ...c, loss: null }, 1_000_000), 'checkpointing · checkpoint-500 · just now');
  });

  it('formats sizes, ages, durations and values', () => {
    assert.equal(formatBytes(2_726_297), '2.6 MB');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatAge(0, 3 * 3600_000), '3 h ago');
    assert.equal(formatDuration(185), '3 min 5 s');
    assert.equal(formatValue(0.000123), '1.23e-4');
    assert.equal(formatValue(null), '—');
  });
});
