/**
 * Paths in a real VS Code host: Delete and Resume accept only checkpoint folders of known runs
 * (anything else, however it is spelled, is refused and nothing starts or is removed), and a
 * symbolic link inside a checkpoint folder is never followed out of it when deleting.
 */
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CheckpointManager,
  DEFAULT_CHECKPOINT_OPTIONS,
  type CheckpointContent,
} from '../../../src/core/checkpoint/index';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const runDir = path.join(workspace, 'reliability-suite', 'run-a');

function content(step: number): CheckpointContent {
  return {
    step,
    weights: { w: { dtype: 'float32', shape: [2], data: Float32Array.from([step, -step]) } },
    trainerState: {
      global_step: step,
      epoch: 0,
      data_position: {},
      rng: {},
      loss: 1 / step,
      best_metric_name: null,
      best_metric: null,
      best_checkpoint: null,
      greater_is_better: false,
    },
  };
}

describe('Training Runs: Delete and Resume accept only checkpoints of known runs', function () {
  this.timeout(60_000);
  let api: TrainingRunsApi;
  let outside: string;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate();
    const manager = new CheckpointManager(runDir, {
      ...DEFAULT_CHECKPOINT_OPTIONS,
      save_total_limit: null,
      metric_for_best_model: null,
      greater_is_better: false,
    });
    for (const step of [5, 10, 15]) await (await manager.save(content(step))).done;
    writeFileSync(
      path.join(runDir, 'run.json'),
      JSON.stringify({
        name: 'run-a',
        status: 'finished',
        pid: null,
        config_path: path.join(runDir, 'none.yaml'),
        step: 15,
        max_steps: 15,
      }),
    );
    outside = mkdtempSync(path.join(tmpdir(), 'reliability-outside-'));
    cpSync(path.join(runDir, 'checkpoints'), path.join(outside, 'checkpoints'), { recursive: true });
    writeFileSync(path.join(outside, 'precious.txt'), 'keep me');
    await vscode.commands.executeCommand(COMMANDS.refresh);
    const deadline = Date.now() + 15_000;
    while (api.runs.get(runDir)?.checkpoints.length !== 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(api.runs.get(runDir)?.checkpoints.length, 3, 'the run was not discovered');
  });
  after(() => rmSync(outside, { recursive: true, force: true }));

  const candidates = () => [
    path.join(outside, 'checkpoints', 'checkpoint-10'), // a checkpoint, but of no known run
    path.join(
      runDir,
      'checkpoints',
      '..',
      '..',
      '..',
      path.relative(path.dirname(path.dirname(runDir)), outside),
      'checkpoints',
      'checkpoint-10',
    ),
    path.join(runDir, 'checkpoints', 'checkpoint-999'), // named like one, not there
    path.join(runDir, 'checkpoints'),
    runDir,
    path.join(outside, 'precious.txt'),
  ];

  it('Resume From Here refuses every path that is not a listed checkpoint of a known run; nothing starts', async () => {
    for (const target of candidates()) {
      const handle = await vscode.commands.executeCommand(COMMANDS.resumeFromCheckpoint, target);
      assert.equal(handle, undefined, `resumed from ${target}`);
    }
    assert.equal(api.training.active().length, 0);
  });

  it('Delete refuses every path that is not a checkpoint folder of a known run; nothing is removed', async () => {
    for (const target of candidates()) {
      const deleted = await vscode.commands.executeCommand<boolean>(COMMANDS.deleteCheckpoint, target, {
        confirm: false,
      });
      assert.equal(deleted, false, `deleted ${target}`);
    }
    assert.deepEqual(
      readdirSync(path.join(outside, 'checkpoints'))
        .filter((n) => n.startsWith('checkpoint-'))
        .sort(),
      ['checkpoint-10', 'checkpoint-15', 'checkpoint-5'],
    );
    assert.deepEqual(
      readdirSync(path.join(runDir, 'checkpoints'))
        .filter((n) => n.startsWith('checkpoint-'))
        .sort(),
      ['checkpoint-10', 'checkpoint-15', 'checkpoint-5'],
    );
    assert.equal(readFileSync(path.join(outside, 'precious.txt'), 'utf8'), 'keep me');
  });

  it('deleting a checkpoint with links inside never follows them out of it', async () => {
    const target = path.join(runDir, 'checkpoints', 'checkpoint-5');
    symlinkSync(outside, path.join(target, 'link-to-folder'), 'dir');
    symlinkSync(path.join(outside, 'precious.txt'), path.join(target, 'link-to-file'));
    mkdirSync(path.join(target, 'nested'));
    symlinkSync(path.join(outside, 'checkpoints'), path.join(target, 'nested', 'deep-link'), 'dir');
    const deleted = await vscode.commands.executeCommand<boolean>(COMMANDS.deleteCheckpoint, target, {
      confirm: false,
    });
    assert.equal(deleted, true);
    assert.equal(existsSync(target), false);
    assert.equal(readFileSync(path.join(outside, 'precious.txt'), 'utf8'), 'keep me');
    assert.deepEqual(
      readdirSync(path.join(outside, 'checkpoints'))
        .filter((n) => n.startsWith('checkpoint-'))
        .sort(),
      ['checkpoint-10', 'checkpoint-15', 'checkpoint-5'],
    );
    assert.ok(existsSync(path.join(outside, 'checkpoints', 'checkpoint-5', 'manifest.json')));
  });
});
