/**
 * The extension end to end in a real VS Code host: Train / Stop / Resume through the commands,
 * the Runs tree against the files the trainer wrote, Delete, invalid checkpoints, config errors and
 * busy output folders. Uses the real trainer (dist/trainer.js) on tiny configs.
 */
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { listCheckpoints } from '../../../src/core/checkpoint/index';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { TrainerExit } from '../../../src/extension/process/trainerProcess';
import type { RunsTreeNode } from '../../../src/extension/tree/runsTreeProvider';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const repoRoot = process.env.TRAINING_RUNS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'runs-suite');
const runsDir = path.join(project, 'runs');

function writeConfig(name: string, body: string): string {
  const file = path.join(project, 'configs', name);
  writeFileSync(file, `extends: ../project.yaml\n${body}`);
  return file;
}

async function train(configPath: string, sets: string[] = []): Promise<TrainingHandle | undefined> {
  return vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, configPath, {
    sets,
    device: 'cpu',
  });
}

async function stepAtLeast(handle: TrainingHandle, step: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const sub = handle.process.onEvent((e) => {
      if (e.type === 'step' && e.step >= step) {
        sub.dispose();
        resolve();
      }
    });
  });
}

async function children(api: TrainingRunsApi, node?: RunsTreeNode): Promise<RunsTreeNode[]> {
  return (await api.tree.getChildren(node)) ?? [];
}

describe('Training Runs: train, tree, stop, resume, delete', function () {
  this.timeout(120_000);
  let api: TrainingRunsApi;
  const log = (s: string) => console.log(`      [measure] ${s}`);

  before(async () => {
    const ext = vscode.extensions.getExtension<TrainingRunsApi>(extensionId);
    assert.ok(ext);
    const wasActive = ext.isActive;
    const t0 = performance.now();
    api = await ext.activate();
    log(`activate(): ${wasActive ? 'already active' : `${(performance.now() - t0).toFixed(1)} ms including load`}`);
    // Module evaluation of the bundle, measured on a second copy (it registers nothing until activate()).
    const bundle = path.join(ext.extensionPath, 'dist', 'extension.js');
    delete require.cache[require.resolve(bundle)];
    const t1 = performance.now();
    require(bundle);
    log(`loading dist/extension.js: ${(performance.now() - t1).toFixed(1)} ms`);

    mkdirSync(path.join(project, 'configs'), { recursive: true });
    cpSync(path.join(repoRoot, 'examples', 'checkpointing', 'project.yaml'), path.join(project, 'project.yaml'));
  });

  let tinyRun: string;
  let tinyExit: TrainerExit;

  it('trains a tiny config through the command to completion', async () => {
    tinyRun = path.join(runsDir, 'tiny');
    const config = writeConfig(
      'tiny.yaml',
      `max_steps: 40\nsave_steps: 10\nsave_total_limit: null\noutput_dir: ${JSON.stringify(tinyRun)}\n`,
    );
    const t0 = Date.now();
    const handle = await train(config);
    assert.ok(handle, 'Train returned no handle');
    const first = await handle.firstStep;
    assert.ok(first, 'no step event');
    log(`Train → first step event: ${Date.now() - t0} ms (backend ${(await handle.started)?.backend.name})`);
    tinyExit = await handle.exited;
    assert.equal(tinyExit.status, 'finished', tinyExit.message ?? tinyExit.failure?.message ?? '');
    assert.equal(handle.runDir, tinyRun);
    assert.equal(api.runs.get(tinyRun)?.status, 'finished');
    assert.equal(JSON.parse(readFileSync(path.join(tinyRun, 'run.json'), 'utf8')).status, 'finished');
  });

  it('lists its checkpoints in modification-time order with optimizer and scheduler nodes matching the files', async () => {
    await api.workspaceRuns.scan();
    const runs = await children(api);
    const runNode = runs.find((n) => n.kind === 'run' && n.runDir === tinyRun);
    assert.ok(runNode, 'run not in the tree');
    assert.match(String(api.tree.getTreeItem(runNode).description), /finished/);
    const ckptNodes = (await children(api, runNode)).filter((n) => n.kind === 'checkpoint');
    const names = ckptNodes.map((n) => String(api.tree.getTreeItem(n).label));
    const engineOrder = (await listCheckpoints(tinyRun)).map((c) => c.name);
    assert.deepEqual(names, engineOrder);
    const byMtime = readdirSync(path.join(tinyRun, 'checkpoints'))
      .filter((n) => n.startsWith('checkpoint-'))
      .map((n) => ({ n, t: statSync(path.join(tinyRun, 'checkpoints', n, 'manifest.json')).mtimeMs }))
      .sort((a, b) => b.t - a.t)
      .map((x) => x.n);
    assert.deepEqual(new Set(names), new Set(byMtime));
    assert.equal(names[0], 'checkpoint-40');
    assert.equal(names.length, 4);
    // The trainer keeps the run's listing index, which background re-reads list from.
    const index = JSON.parse(readFileSync(path.join(tinyRun, 'checkpoints', '.index.json'), 'utf8')) as {
      checkpoints: Array<{ name: string }>;
    };
    assert.deepEqual(index.checkpoints.map((c) => c.name).sort(), [...names].sort());

    const newest = ckptNodes[0]!;
    const item = api.tree.getTreeItem(newest);
    // The label says the step; the description leads with the loss and the optimizer.
    assert.equal(String(item.label), 'checkpoint-40');
    assert.match(String(item.description), /^mean loss [\d.e-]+ · [a-z]+ lr [\d.e-]+ · .* · latest$/);
    const details = await children(api, newest);
    const detail = (label: string) => details.find((d) => d.kind === 'detail' && d.node.label === label);
    const opt = detail('Optimizer');
    const sched = detail('Scheduler');
    assert.ok(opt?.kind === 'detail' && sched?.kind === 'detail');
    const optimizerJson = JSON.parse(
      readFileSync(path.join(tinyRun, 'checkpoints', 'checkpoint-40', 'optimizer.json'), 'utf8'),
    );
    const schedulerJson = JSON.parse(
      readFileSync(path.join(tinyRun, 'checkpoints', 'checkpoint-40', 'scheduler.json'), 'utf8'),
    );
    assert.ok(
      opt.node.description.startsWith(`${optimizerJson.type} · ${optimizerJson.iterations} steps · m, v for `),
      opt.node.description,
    );
    assert.ok(
      sched.node.description.startsWith(`${schedulerJson.type} · step ${schedulerJson.step} · lr `),
      sched.node.description,
    );
    assert.ok(
      ['Trainer', 'Model', 'Files'].every((l) => detail(l)),
      'missing Trainer/Model/Files nodes',
    );
  });

  it('deletes exactly the chosen checkpoint folder', async () => {
    const target = path.join(tinyRun, 'checkpoints', 'checkpoint-20');
    const before = readdirSync(path.join(tinyRun, 'checkpoints')).sort();
    const deleted = await vscode.commands.executeCommand<boolean>(COMMANDS.deleteCheckpoint, target, {
      confirm: false,
    });
    assert.equal(deleted, true);
    const after = readdirSync(path.join(tinyRun, 'checkpoints')).sort();
    assert.deepEqual(
      after,
      before.filter((n) => n !== 'checkpoint-20'),
    );
    assert.equal(
      api.runs.get(tinyRun)?.checkpoints.some((c) => c.name === 'checkpoint-20'),
      false,
    );
    // Not a checkpoint folder of a known run: refused, nothing removed.
    const refused = await vscode.commands.executeCommand<boolean>(
      COMMANDS.deleteCheckpoint,
      path.join(project, 'configs'),
      { confirm: false },
    );
    assert.equal(refused, false);
    assert.ok(existsSync(path.join(project, 'configs', 'tiny.yaml')));
  });

  it('shows an invalid checkpoint with its reason and never offers it for Resume', async () => {
    truncateSync(path.join(tinyRun, 'checkpoints', 'checkpoint-40', 'model.safetensors'), 10);
    // A background re-read trusts the listing index; the Refresh Runs command validates every file.
    await api.runs.refresh(tinyRun, { exact: false });
    assert.equal(api.runs.get(tinyRun)?.checkpoints.find((c) => c.name === 'checkpoint-40')?.valid, true);
    await vscode.commands.executeCommand(COMMANDS.refresh);
    const run = api.runs.get(tinyRun)!;
    const broken = run.checkpoints.find((c) => c.name === 'checkpoint-40');
    assert.equal(broken?.valid, false);
    const node: RunsTreeNode = { kind: 'checkpoint', runDir: tinyRun, path: broken!.path };
    const item = api.tree.getTreeItem(node);
    assert.equal(item.contextValue, 'checkpoint.invalid.idle');
    // The tooltip is Markdown with the reason as escaped text: compare it unescaped.
    const markdown = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
    const tooltip = markdown.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
    assert.match(tooltip, /Invalid:/);
    assert.ok(broken!.problems.length > 0 && tooltip.includes(broken!.problems[0]!), tooltip);
    // Resume From Here on it is refused; Resume on the run lets the trainer pick the newest valid one
    // from the folders (no path taken from the listing), which skips the broken one.
    assert.equal(await vscode.commands.executeCommand(COMMANDS.resumeFromCheckpoint, node), undefined);
    const handle = await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.resume, tinyRun);
    assert.ok(handle);
    assert.ok(handle.request.sets.includes('resume_from_checkpoint=true'), handle.request.sets.join(' '));
    assert.ok(!handle.request.sets.some((s) => s.includes('checkpoint-')), handle.request.sets.join(' '));
    const started = await handle.started;
    assert.equal(started?.startStep, 30);
    assert.equal((await handle.exited).status, 'finished');
  });

  let longRun: string;
  let longConfig: string;
  let stoppedAt: number;

  it('stops gracefully: a checkpoint is saved and the run ends "stopped"', async () => {
    longRun = path.join(runsDir, 'long');
    longConfig = writeConfig(
      'long.yaml',
      `max_steps: 100000\nsave_steps: 100000\noutput_dir: ${JSON.stringify(longRun)}\n`,
    );
    const handle = await train(longConfig);
    assert.ok(handle);
    await stepAtLeast(handle, 15);
    const [exit] = await vscode.commands.executeCommand<TrainerExit[]>(COMMANDS.stop, longRun);
    assert.equal(exit?.status, 'stopped');
    assert.equal(exit?.forcedKill, false);
    const ckpts = await listCheckpoints(longRun);
    assert.equal(ckpts.length, 1);
    stoppedAt = ckpts[0]!.step!;
    assert.ok(stoppedAt >= 15);
    assert.equal(api.runs.get(longRun)?.status, 'stopped');
    assert.equal(JSON.parse(readFileSync(path.join(longRun, 'run.json'), 'utf8')).status, 'stopped');
  });

  it('resumes from the latest step', async () => {
    const handle = await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.resume, longRun, 'latest');
    assert.ok(handle);
    const started = await handle.started;
    assert.equal(started?.startStep, stoppedAt);
    // Step events come every log_steps (10 in the example): the first one is the next multiple.
    const first = await handle.firstStep;
    assert.ok(
      first && first.step > stoppedAt && first.step <= stoppedAt + 10,
      `first step ${first?.step} after ${stoppedAt}`,
    );
    const exits = await vscode.commands.executeCommand<TrainerExit[]>(COMMANDS.stop, longRun);
    assert.equal(exits[0]?.status, 'stopped');
  });

  it('refuses a second Train on a busy output folder', async () => {
    // In this window: refused before any process starts. (longRun has the stop's checkpoint: Train asks
    // whether to resume, train into a new folder or replace; Replace keeps the folder.)
    api.prompts.answerWith(() => 'Replace');
    const handle = await train(longConfig);
    api.prompts.answerWith(undefined);
    assert.ok(handle);
    await handle.started;
    const second = await train(longConfig);
    assert.equal(second, undefined);
    assert.equal(api.training.active().length, 1);
    await vscode.commands.executeCommand(COMMANDS.stop, longRun);

    // Held by a trainer outside this window (the command line): the trainer refuses, naming the holder.
    const cli: ChildProcess = fork(
      path.join(repoRoot, 'dist', 'trainer.js'),
      ['train', '-t', longConfig, '-d', 'cpu'],
      { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        cli.on('message', (m: { type?: string }) => m?.type === 'step' && resolve());
        cli.on('exit', (code) => reject(new Error(`CLI trainer exited early with ${code}`)));
      });
      const refused = await train(longConfig);
      assert.ok(refused);
      const exit = await refused.exited;
      assert.equal(exit.status, 'failed');
      assert.equal(exit.exitCode, 2);
      assert.match(exit.failure?.message ?? exit.message ?? '', new RegExp(String(cli.pid)));
      assert.equal(api.runs.get(longRun)?.status, 'training');
    } finally {
      cli.kill('SIGKILL');
    }
  });

  it('trains several runs at once, each in its own folder', async () => {
    const a = writeConfig(
      'para-a.yaml',
      `max_steps: 20\nsave_steps: 10\noutput_dir: ${JSON.stringify(path.join(runsDir, 'para-a'))}\n`,
    );
    const b = writeConfig(
      'para-b.yaml',
      `max_steps: 100000\nsave_steps: 100000\noutput_dir: ${JSON.stringify(path.join(runsDir, 'para-b'))}\n`,
    );
    // The long run starts first: on a busy machine the 20-step one can finish before the other starts.
    const hb = await train(b);
    assert.ok(hb);
    await hb.started;
    const ha = await train(a);
    assert.ok(ha);
    await ha.started;
    assert.equal(api.training.active().length, 2);
    assert.equal((await ha.exited).status, 'finished');
    assert.equal(api.runs.get(path.join(runsDir, 'para-b'))?.status, 'training');
    const [exit] = await vscode.commands.executeCommand<TrainerExit[]>(COMMANDS.stop, path.join(runsDir, 'para-b'));
    assert.equal(exit?.status, 'stopped');
    assert.equal(api.training.active().length, 0);
  });

  it('picks up a run written by the command line through the file watcher', async () => {
    const cliRun = path.join(runsDir, 'from-cli');
    const config = writeConfig('cli.yaml', `max_steps: 20\nsave_steps: 10\noutput_dir: ${JSON.stringify(cliRun)}\n`);
    const cli = fork(path.join(repoRoot, 'dist', 'trainer.js'), ['train', '-t', config, '-d', 'cpu'], {
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((resolve) => cli.on('exit', resolve));
    assert.equal(code, 0);
    // No scan() call here: the debounced watcher must find it on its own.
    const deadline = Date.now() + 15_000;
    while (api.runs.get(cliRun)?.checkpoints.length !== 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(api.runs.get(cliRun)?.status, 'finished');
    assert.deepEqual(
      api.runs.get(cliRun)?.checkpoints.map((c) => c.name),
      ['checkpoint-20', 'checkpoint-10'],
    );
  });

  it("opens a checkpoint's full state read-only and the loss curves of a run", async () => {
    const ckpt = path.join(runsDir, 'from-cli', 'checkpoints', 'checkpoint-20');
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>(COMMANDS.inspectCheckpoint, ckpt);
    assert.equal(doc.uri.scheme, 'training-checkpoint');
    assert.equal(doc.languageId, 'json');
    const state = JSON.parse(doc.getText());
    assert.equal(JSON.stringify(state).includes('"global_step":20'), true, doc.getText().slice(0, 400));
    const opened = await vscode.commands.executeCommand<boolean>(
      COMMANDS.openLossCurves,
      path.join(runsDir, 'from-cli'),
    );
    assert.equal(opened, true);
    assert.ok(api.lossCurves.openPanels.some((p) => p.runDirs.includes(path.join(runsDir, 'from-cli'))));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('reports a broken config with its file and line', async () => {
    const broken = writeConfig('broken.yaml', `max_steps: 10\noptimizer:\n  learnin_rate: 0.1\n`);
    const handle = await train(broken);
    assert.ok(handle);
    const exit = await handle.exited;
    assert.equal(exit.status, 'failed');
    assert.equal(exit.exitCode, 2);
    assert.equal(exit.failure?.file, broken);
    assert.equal(exit.failure?.line, 4);
    assert.match(exit.failure?.message ?? '', /learnin_rate/);
    // The config opens at the offending line.
    const deadline = Date.now() + 5000;
    const atBroken = () => vscode.window.activeTextEditor?.document.uri.fsPath === broken;
    while (!atBroken() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(atBroken(), `active editor: ${vscode.window.activeTextEditor?.document.uri.fsPath}`);
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, 3);
  });
});
