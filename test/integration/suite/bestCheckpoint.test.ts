/**
 * The best checkpoint by eval_loss in the real host: a run trained through the Train command with
 * a held-out split keeps its best checkpoint through retention, and the Runs tree marks that one
 * (not the newest) best. The data is mostly noise and the training split small, so the model
 * overfits: the held-out loss is lowest early and the best is an older checkpoint.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { RunsTreeNode } from '../../../src/extension/tree/runsTreeProvider';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const repoRoot = process.env.TRAINING_RUNS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'best-suite');

describe('The best checkpoint by eval_loss in the Runs tree', function () {
  this.timeout(180_000);
  let api: TrainingRunsApi;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate();
    mkdirSync(path.join(project, 'configs'), { recursive: true });
    cpSync(path.join(repoRoot, 'examples', 'checkpointing', 'project.yaml'), path.join(project, 'project.yaml'));
  });
  // Later suites' Train pickers should not list this suite's config.
  after(() => rmSync(path.join(project, 'configs'), { recursive: true, force: true }));

  it('marks the best checkpoint, kept by retention beside the newest, with "best" and a star', async () => {
    const runDir = path.join(project, 'runs', 'overfit');
    const config = path.join(project, 'configs', 'overfit.yaml');
    writeFileSync(
      config,
      [
        'extends: ../project.yaml',
        'seed: 3',
        'batch_size: 8',
        'model: { type: mlp, hidden: [64], activation: relu }',
        'data: { type: synthetic_classification, samples: 64, features: 4, classes: 3, noise: 3 }',
        'optimizer: { type: adam, learning_rate: 0.05 }',
        'scheduler: { type: constant }',
        'max_steps: 30',
        'log_steps: 5',
        'eval_split: 0.25',
        'eval_steps: 5',
        'save_steps: 5',
        'save_total_limit: 2',
        `output_dir: ${JSON.stringify(runDir)}`,
        '',
      ].join('\n'),
    );
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, config, {
      device: 'cpu',
    });
    assert.ok(handle, 'Train returned no handle');
    const evaluated: number[] = [];
    const sub = handle.process.onEvent((e) => {
      if (e.type === 'evaluated') evaluated.push(e.step);
    });
    const exit = await handle.exited;
    sub.dispose();
    assert.equal(exit.status, 'finished', exit.failure?.message ?? exit.message ?? '');
    assert.deepEqual(
      evaluated.filter((s) => s >= 10),
      [10, 15, 20, 25, 30],
      'the extension receives the evaluations',
    );

    const state = JSON.parse(
      readFileSync(path.join(runDir, 'checkpoints', 'checkpoint-30', 'trainer_state.json'), 'utf8'),
    ) as { best_checkpoint: string; best_metric_name: string };
    assert.equal(state.best_metric_name, 'eval_loss');
    assert.notEqual(state.best_checkpoint, 'checkpoint-30', 'precondition: the best is an older checkpoint');

    await api.workspaceRuns.scan();
    const runs = (await api.tree.getChildren()) ?? [];
    const runNode = runs.find((n) => n.kind === 'run' && n.runDir === runDir);
    assert.ok(runNode, 'run not in the tree');
    const rows = ((await api.tree.getChildren(runNode)) ?? []).filter(
      (n): n is RunsTreeNode & { kind: 'checkpoint' } => n.kind === 'checkpoint',
    );
    const items = rows.map((n) => api.tree.getTreeItem(n));
    assert.deepEqual(
      items.map((i) => String(i.label)).sort(),
      [state.best_checkpoint, 'checkpoint-30'].sort(),
      'retention kept the best beside the newest',
    );
    const best = items.find((i) => i.label === state.best_checkpoint)!;
    const newest = items.find((i) => i.label === 'checkpoint-30')!;
    assert.match(String(best.description), /· best/);
    assert.equal((best.iconPath as vscode.ThemeIcon).id, 'star-full');
    assert.doesNotMatch(String(newest.description), /best/);
    assert.match(String(newest.description), /latest/);
  });
});
