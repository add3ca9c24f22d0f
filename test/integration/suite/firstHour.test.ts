/**
 * What a user meets while a run trains, in the real host: the Train quick pick offers no Device
 * item when only external-trainer configs are listed (driven through the live pick); the start
 * notification's buttons (Stop, Open Loss Curves, Show Log: "Stop", never "Cancel") and the
 * finished one; the status bar item's words while the run trains, and the item gone after it.
 * Notifications are seen through the extension's Prompts, which every notification goes through.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { Question } from '../../../src/extension/ui/prompts';
import { until } from './until';
import { COMMANDS } from '../../../src/extension/commands/ids';

const repoRoot = process.env.TRAINING_RUNS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'first-hour-suite');
const pickEnds = [path.join(workspace, '0-first-hour-pick'), path.join(workspace, 'zz-first-hour-pick')];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('The first hour: Train quick pick, run notifications and the status bar in the real host', function () {
  this.timeout(120_000);
  let api: TrainingRunsApi;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>('training-runs.training-runs')!.activate();
    rmSync(project, { recursive: true, force: true });
    mkdirSync(path.join(project, 'configs'), { recursive: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // A run an earlier suite left behind would share the status bar and the notifications.
    await api.training.stopAll();
  });
  after(() => {
    api.prompts.answerWith(undefined);
    // Later suites' Train pickers should not list this suite's configs.
    for (const dir of [project, ...pickEnds]) rmSync(dir, { recursive: true, force: true });
  });

  it('offers no Device item in the live Train pick when every config listed is an external trainer', async () => {
    // External configs listed first and last (the pick sorts by path), so that wherever moving past
    // the last config lands (back on the first, or still on the last), it is one of these.
    for (const dir of pickEnds) {
      mkdirSync(path.join(dir, 'configs'), { recursive: true });
      writeFileSync(
        path.join(dir, 'configs', 'external.yaml'),
        `external_trainer:\n  command: [${JSON.stringify(process.execPath)}, -e, "0"]\n  output_dir: runs/external\n`,
      );
    }
    const mine = pickEnds.map((dir) => path.join(dir, 'configs', 'external.yaml'));
    const configs = (await vscode.workspace.findFiles('**/configs/**/*.{yaml,yml}')).map((u) => u.fsPath);
    const others = configs.filter((c) => !/external_trainer\s*:/m.test(readFileSync(c, 'utf8')));
    assert.deepEqual(others, [], 'this test needs a workspace whose configs are all external trainers');
    let settled = false;
    let handle: TrainingHandle | undefined;
    const train = vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train).then((r) => {
      settled = true;
      handle = r;
    });
    // Down past the last config (onto the Device item, when there is one), then Enter. The pick shows
    // once every config's facts are read in the reader workers (their threads start on first use).
    await sleep(8000);
    for (let i = 0; i < configs.length; i++) await vscode.commands.executeCommand('quickInput.next');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    await until(
      'Train to start a config (a Device item would open the device pick instead)',
      () => (settled ? true : undefined),
      10_000,
    ).catch(async (error: Error) => {
      // Close the device pick and the Train pick it returns to.
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await sleep(500);
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await train;
      throw error;
    });
    assert.ok(handle, 'Enter past the last config trained nothing');
    assert.ok(mine.includes(handle.request.configPath), handle.request.configPath);
    if (api.training.active().includes(handle)) await api.training.stop(handle);
    await handle.exited;
  });

  it('says the start with Stop / Open Loss Curves / Show Log, shows progress in the status bar, and ends with the finished notification and no status item', async () => {
    cpSync(path.join(repoRoot, 'examples', 'checkpointing', 'project.yaml'), path.join(project, 'project.yaml'));
    const runDir = path.join(project, 'runs', 'notes');
    const config = path.join(project, 'configs', 'notes.yaml');
    writeFileSync(
      config,
      `extends: ../project.yaml\nmax_steps: 300\nsave_steps: 100\nlog_steps: 10\noutput_dir: ${JSON.stringify(runDir)}\n`,
    );
    api.prompts.answerWith(() => undefined); // every notification dismissed
    const statusTexts = new Set<string>();
    const handle = await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, config, {
      device: 'cpu',
    });
    assert.ok(handle, 'no run started');
    const watch = setInterval(() => statusTexts.add(api.ui.statusBarText ?? '(hidden)'), 20);
    try {
      await handle.started;
      const start = api.prompts.asked.find((q) => q.message.startsWith('Training notes:'));
      assert.ok(start, 'no start notification');
      assert.equal(start.kind, 'information');
      assert.equal(start.modal, undefined, 'a notification the user can dismiss, not a modal dialog');
      assert.equal(start.message, 'Training notes: started, to step 300. Progress is in the status bar.');
      assert.deepEqual(start.choices, ['Stop', 'Open Loss Curves', 'Show Log']);
      await handle.exited;
    } finally {
      clearInterval(watch);
    }
    statusTexts.add(api.ui.statusBarText ?? '(hidden)');
    const during = [...statusTexts].filter((t) => t !== '(hidden)');
    assert.ok(
      during.some((t) => /^\$\(pulse\) notes \d+\/300 · last loss [\d.e-]+( · ETA .+)?$/.test(t)),
      `status texts seen: ${[...statusTexts].join(' | ')}`,
    );
    assert.ok(
      during.every((t) => /^\$\(pulse\) notes( starting…| \d+\/300 · last loss )/.test(t)),
      `status texts seen: ${[...statusTexts].join(' | ')}`,
    );
    assert.equal(api.ui.statusBarText, null, 'the status bar item is gone after the run');
    const finished = api.prompts.asked.find((q: Question) => q.message === 'Training notes: finished.');
    assert.ok(finished, `no finished notification; asked: ${api.prompts.asked.map((q) => q.message).join(' | ')}`);
    assert.deepEqual(finished.choices, ['Open Loss Curves', 'Show Log']);
  });

  it('Stop on the start notification stops the run, which saves and ends "stopped"', async () => {
    const runDir = path.join(project, 'runs', 'stopped');
    const config = path.join(project, 'configs', 'stopped.yaml');
    writeFileSync(
      config,
      `extends: ../project.yaml\nmax_steps: 100000\nsave_steps: 100000\nlog_steps: 10\noutput_dir: ${JSON.stringify(runDir)}\n`,
    );
    // "Stop" once the run has stepped (a stop before the first step has nothing to save yet).
    let stepped = false;
    api.prompts.answerWith(async (q) => {
      if (!q.choices.includes('Stop')) return undefined;
      await until('a step', () => (stepped ? true : undefined), 60_000);
      return 'Stop';
    });
    const handle = await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, config, {
      device: 'cpu',
    });
    assert.ok(handle, 'no run started');
    void handle.firstStep.then(() => (stepped = true));
    const exit = await handle.exited;
    assert.equal(exit.status, 'stopped');
    await api.runs.refresh(runDir);
    assert.ok(
      api.runs.get(runDir)?.checkpoints.some((c) => c.valid),
      'Stop saved a checkpoint',
    );
    const stopped = api.prompts.asked.find((q) => q.message.startsWith('Training stopped: stopped; saved checkpoint-'));
    assert.deepEqual(
      stopped?.choices,
      ['Open Loss Curves', 'Show Log'],
      api.prompts.asked.map((q) => q.message).join(' | '),
    );
  });
});
