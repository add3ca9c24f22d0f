import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { measureTrainerStartup } from '../../../bench/trainer/startup';

// The process runner's stand-in for dist/trainer.js (FAKE_TRAINER_MODE picks its behaviour).
const fakeTrainer = path.join(__dirname, '..', 'extension', 'fixtures', 'fakeTrainer.cjs');

async function withMode<T>(mode: string, run: () => Promise<T>): Promise<T> {
  const before = process.env.FAKE_TRAINER_MODE;
  process.env.FAKE_TRAINER_MODE = mode;
  try {
    return await run();
  } finally {
    if (before === undefined) delete process.env.FAKE_TRAINER_MODE;
    else process.env.FAKE_TRAINER_MODE = before;
  }
}

describe('trainer start-up bench', () => {
  // The trainer runs in the config's project folder, as the extension launches it: it must exist.
  const project = mkdtempSync(path.join(tmpdir(), 'bench-startup-'));
  mkdirSync(path.join(project, 'configs'));
  after(() => rmSync(project, { recursive: true, force: true }));
  const plan = {
    trainerScript: fakeTrainer,
    configPath: path.join(project, 'configs', 'train.yaml'),
    device: 'wasm',
    runs: 2,
    timeoutMs: 20_000,
  };

  it('times launch to the started and first step events against node -e 0', async () => {
    const [started, firstStep] = await withMode('normal', () => measureTrainerStartup(plan));
    assert.equal(started!.name, 'startup_started');
    assert.equal(firstStep!.name, 'startup_first_step');
    assert.ok(started!.value! > 0 && firstStep!.value! >= started!.value!);
    assert.equal(firstStep!.reference!.name, 'node -e 0');
    assert.ok(firstStep!.reference!.value > 0);
    assert.equal(firstStep!.ratio, firstStep!.value! / firstStep!.reference!.value);
    assert.match(firstStep!.detail, /median of 2/);
  });

  it('kills a trainer that keeps training once its first step is seen', async () => {
    // This fake ignores stop requests and never exits by itself: the bench returning proves the kill.
    const rows = await withMode('ignore-stop', () => measureTrainerStartup({ ...plan, runs: 1 }));
    assert.ok(rows.every((r) => r.value !== null));
  });

  it('reports a trainer that fails before its first step as null rows with the reason', async () => {
    const rows = await withMode('config-error', () => measureTrainerStartup({ ...plan, runs: 1 }));
    assert.deepEqual(
      rows.map((r) => r.value),
      [null, null],
    );
    assert.match(rows[1]!.detail, /ended before its first step: optimizer\.learnin_rate/);
  });
});
