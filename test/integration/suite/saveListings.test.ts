/**
 * One save, one listing, in the real host: while a trainer started by Train saves, the run store
 * re-reads that run once per committed save and no other run of the workspace (the reads after
 * its end, for its final status, are not counted). A listing is counted when the store applies a read: the run's view
 * gets a new checkpoint list (live progress keeps the old one), seen through the store's
 * onDidChangeRun. A read dropped as stale would not be counted (none is expected here).
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { RunView } from '../../../src/extension/store/runView';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const repoRoot = process.env.TRAINING_RUNS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'save-listings-suite');

describe('One save, one listing', function () {
  this.timeout(180_000);
  let api: TrainingRunsApi;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate();
    mkdirSync(path.join(project, 'configs'), { recursive: true });
    cpSync(path.join(repoRoot, 'examples', 'checkpointing', 'project.yaml'), path.join(project, 'project.yaml'));
  });
  after(() => rmSync(path.join(project, 'configs'), { recursive: true, force: true }));

  /** Resolves once no run has changed for `ms` (at most `limitMs` in all). */
  function quiet(ms: number, limitMs: number): Promise<void> {
    return new Promise((resolve) => {
      let timer = setTimeout(done, ms);
      const limit = setTimeout(done, limitMs);
      const changes = api.runs.onDidChangeRun(() => {
        clearTimeout(timer);
        timer = setTimeout(done, ms);
      });
      function done(): void {
        clearTimeout(timer);
        clearTimeout(limit);
        changes.dispose();
        resolve();
      }
    });
  }

  it('re-reads the training run once per save and no other run', async () => {
    // Another run in the workspace, listed before the trainer starts.
    const other = path.join(project, 'runs', 'other');
    mkdirSync(other, { recursive: true });
    writeFileSync(path.join(other, 'run.json'), JSON.stringify({ status: 'finished' }));
    await api.workspaceRuns.scan();
    assert.ok(api.runs.get(other), 'the other run is not in the store');
    // The watcher also saw run.json written and re-reads the run once its event arrives (a second or
    // more later on a busy machine): let the store go quiet before counting.
    await quiet(1500, 15_000);

    const runDir = path.join(project, 'runs', 'saving');
    const config = path.join(project, 'configs', 'saving.yaml');
    writeFileSync(
      config,
      [
        'extends: ../project.yaml',
        'batch_size: 64',
        'model: { type: mlp, hidden: [256, 256], activation: relu }',
        'data: { type: synthetic_classification, samples: 2048, features: 32, classes: 4 }',
        'max_steps: 150',
        'save_steps: 50',
        `output_dir: ${JSON.stringify(runDir)}`,
        '',
      ].join('\n'),
    );
    const listings = new Map<string, number>();
    const seen = new Map<string, RunView['checkpoints']>();
    for (const run of api.runs.runs()) seen.set(run.dir, run.checkpoints);
    const statuses: string[] = [];
    const counting = api.runs.onDidChangeRun(({ dir, run }) => {
      if (!run) return;
      const before = seen.get(dir);
      seen.set(dir, run.checkpoints);
      if (before === undefined || before === run.checkpoints) return;
      if (dir === runDir) statuses.push(`${run.status} with ${run.checkpoints.length} checkpoint(s)`);
      // The training run's reads after its end (final status; the watcher seeing its last writes) are no saves'.
      if (dir !== runDir || run.status === 'training') listings.set(dir, (listings.get(dir) ?? 0) + 1);
    });
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, config, {
      device: 'cpu',
    });
    assert.ok(handle, 'Train returned no handle');
    let saves = 0;
    const events = handle.process.onEvent((e) => {
      if (e.type === 'checkpoint_saved') saves++;
    });
    const exit = await handle.exited;
    events.dispose();
    // Reads of other runs that a save would cause land after it: wait for them.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    counting.dispose();
    assert.equal(exit.status, 'finished', exit.failure?.message ?? exit.message ?? '');
    assert.equal(saves, 3, 'saves at steps 50, 100 and 150');
    const others = [...listings].filter(([dir]) => dir !== runDir);
    assert.deepEqual(others, [], 'runs the trainer does not write were listed again');
    assert.equal(
      listings.get(runDir) ?? 0,
      saves,
      `listings of the training run while it trained: one per save (seen: ${statuses.join(', ')})`,
    );
  });
});
