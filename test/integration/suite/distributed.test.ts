/**
 * An external trainer in the real VS Code host: examples/distributed/train.py under torchrun with 2
 * processes (CPU, gloo), launched by the Train command from an `external_trainer` config. The Runs
 * tree shows its Hugging Face checkpoints, its loss log arrives as step events, Stop (SIGINT to
 * the process group) ends it "stopped", and Resume from a chosen checkpoint continues the steps.
 * Skipped, saying why, where /usr/bin/python3 cannot import torch.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../../support/freePort';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../../src/core/protocol/trainerEvents';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainerExit } from '../../../src/extension/process/trainerProcess';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { RunsTreeNode } from '../../../src/extension/tree/runsTreeProvider';
import { COMMANDS } from '../../../src/extension/commands/ids';

const PYTHON = '/usr/bin/python3';
const repoRoot = process.env.TRAINING_RUNS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'distributed-suite');
const runDir = path.join(project, 'runs', 'dist');

function torchMissing(): string | null {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', timeout: 60_000 });
  if (probe.status === 0) return null;
  return `${PYTHON} cannot import torch (${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim().split('\n').pop()}); install python3-torch to run this suite`;
}

/** The trainer's output and exit as they arrive, for a failure message that says what happened. */
function watchOutput(handle: TrainingHandle): () => string {
  const lines: string[] = [];
  let exit: TrainerExit | undefined;
  handle.process.onLog(({ stream, text }) => {
    for (const line of text.split('\n')) if (line.trim()) lines.push(`${stream}: ${line}`);
    lines.splice(0, Math.max(0, lines.length - 40));
  });
  void handle.exited.then((e) => (exit = e));
  return () => `exit: ${exit ? JSON.stringify(exit) : 'still running'}; last output:\n${lines.join('\n') || '(none)'}`;
}

/**
 * Resolves with the first event matching `match` (events are recorded from the start in `seen`).
 * The first start of torch's processes reads its libraries from a cold disk: minutes on a loaded machine.
 */
function waitFor<T extends TrainerEvent>(
  handle: TrainingHandle,
  seen: TrainerEvent[],
  match: (e: TrainerEvent) => e is T,
  what: string,
  context: () => string,
  ms = 150_000,
): Promise<T> {
  const already = seen.find(match);
  if (already) return Promise.resolve(already);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`timed out waiting for ${what}; events: ${seen.map((e) => e.type).join(', ')}; ${context()}`)),
      ms,
    );
    const sub = handle.process.onEvent((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

const savedAtLeast =
  (step: number) =>
  (e: TrainerEvent): e is Extract<TrainerEvent, { type: 'checkpoint_saved' }> =>
    e.type === 'checkpoint_saved' && e.step >= step;
const stepEvent = (e: TrainerEvent): e is Extract<TrainerEvent, { type: 'step' }> => e.type === 'step';

describe('Distributed example: torchrun (2 processes) as an external trainer', function () {
  this.timeout(300_000);
  let api: TrainingRunsApi;
  let configPath: string;
  const log = (s: string) => console.log(`      [measure] ${s}`);

  before(async function () {
    const reason = torchMissing();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    api = await vscode.extensions.getExtension<TrainingRunsApi>('training-runs.training-runs')!.activate();
    rmSync(project, { recursive: true, force: true });
    mkdirSync(path.join(project, 'configs'), { recursive: true });
    copyFileSync(path.join(repoRoot, 'examples', 'distributed', 'train.py'), path.join(project, 'train.py'));
    // The example config with frequent saves, its own port (other runs may use 29500) and more steps
    // than a busy machine can reach before Stop (at 200, a loaded CI machine once finished first).
    const example = readFileSync(path.join(repoRoot, 'examples', 'distributed', 'configs', 'torchrun.yaml'), 'utf8');
    const port = await freePort();
    const config = example
      .replace('- --nproc_per_node', `- --master_port\n    - "${port}"\n    - --nproc_per_node`)
      .replace(/- --max_steps\n(\s*)- "200"/, '- --max_steps\n$1- "5000"')
      .replace(/- --save_steps\n(\s*)- "20"/, '- --save_steps\n$1- "5"')
      .replace(/- --step_delay\n(\s*)- "0.05"/, '- --step_delay\n$1- "0.1"');
    assert.ok(
      config.includes(`"${port}"`) && config.includes('"5000"') && config.includes('"5"') && config.includes('"0.1"'),
      'the example config changed shape',
    );
    configPath = path.join(project, 'configs', 'dist.yaml');
    writeFileSync(configPath, config);
  });

  const firstRun: TrainerEvent[] = [];
  let stoppedExit: TrainerExit | undefined;

  it('trains through the Train command; the tree shows its checkpoints, the loss log arrives, Stop ends it "stopped"', async () => {
    const t0 = Date.now();
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, configPath);
    assert.ok(handle, 'Train returned no handle');
    assert.equal(handle.runDir, runDir);
    handle.process.onEvent((e) => firstRun.push(e));
    const output = watchOutput(handle);
    await waitFor(handle, firstRun, savedAtLeast(10), 'checkpoint-10', output);
    log(`Train → checkpoint-10 reported: ${Date.now() - t0} ms`);
    assert.equal(api.runs.get(runDir)?.status, 'training');

    // The tree, while it trains: checkpoints newest first, Hugging Face with 2 ranks, details readable.
    await api.runs.refresh(runDir);
    const runNode = ((await api.tree.getChildren()) ?? []).find((n) => n.kind === 'run' && n.runDir === runDir);
    assert.ok(runNode, 'the run is not in the tree');
    const checkpointNodes = ((await api.tree.getChildren(runNode)) ?? []).filter(
      (n): n is Extract<RunsTreeNode, { kind: 'checkpoint' }> => n.kind === 'checkpoint',
    );
    const names = checkpointNodes.map((n) => String(api.tree.getTreeItem(n).label));
    assert.ok(names.includes('checkpoint-5') && names.includes('checkpoint-10'), names.join(', '));
    assert.ok(names.indexOf('checkpoint-10') < names.indexOf('checkpoint-5'), `not newest first: ${names.join(', ')}`);
    const ten = checkpointNodes[names.indexOf('checkpoint-10')]!;
    assert.match(String(api.tree.getTreeItem(ten).description), /^mean loss .*HF · 2 ranks/);
    const details = ((await api.tree.getChildren(ten)) ?? []).filter(
      (n): n is Extract<RunsTreeNode, { kind: 'detail' }> => n.kind === 'detail',
    );
    const detail = (label: string) => details.find((d) => d.node.label === label)?.node.description ?? '';
    assert.match(detail('Optimizer'), /^adam\/adamw \(inferred\) · 10 steps/);
    assert.match(detail('Scheduler'), /\(inferred\) · step 10 · lr /);
    assert.match(detail('RNG'), /^2 files \(one per rank\)/);

    // The loss log: one step event per logged step, in order, with finite losses.
    const steps = firstRun.filter(stepEvent);
    assert.deepEqual(
      steps.slice(0, 10).map((e) => e.step),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    assert.ok(steps.every((e) => Number.isFinite(e.loss) && e.maxSteps === 5000));
    assert.ok(api.runs.get(runDir)?.live?.loss !== null, 'the run model has no live loss');

    // If the trainer ended on its own before Stop, say how (Stop then finds nothing to stop).
    let earlyExit: TrainerExit | undefined;
    void handle.exited.then((exit) => (earlyExit ??= exit));
    const tStop = Date.now();
    const exits = await vscode.commands.executeCommand<TrainerExit[]>(COMMANDS.stop, runDir);
    assert.ok(
      exits.length > 0,
      `Stop found no trainer: run ${api.runs.get(runDir)?.status}; exit ${JSON.stringify(earlyExit)}; last events ${JSON.stringify(firstRun.slice(-5))}`,
    );
    stoppedExit = exits[0];
    log(`Stop → exit: ${Date.now() - tStop} ms (exit code ${stoppedExit?.exitCode})`);
    assert.equal(stoppedExit?.status, 'stopped', stoppedExit?.message ?? '');
    assert.equal(stoppedExit?.forcedKill, false);
    assert.equal(api.runs.get(runDir)?.status, 'stopped');
    assert.equal(JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')).status, 'stopped');
    // The save on stop was reported before the exit.
    const lastSaved = firstRun.filter(savedAtLeast(0)).pop();
    assert.ok(lastSaved && lastSaved.step >= 10, `last save ${lastSaved?.step}`);
    assert.ok(
      api.runs.get(runDir)?.checkpoints.some((c) => c.name === lastSaved.name && c.latest),
      'the stop checkpoint is not the latest',
    );
  });

  it('resumes from a chosen checkpoint with the step continuing from it', async function () {
    if (!stoppedExit) this.skip();
    const chosen = path.join(runDir, 'checkpoint-5');
    const seen: TrainerEvent[] = [];
    // checkpoint-5 is older than the stop's checkpoint: Resume asks before branching (answered here).
    api.prompts.answerWith((q) => q.choices.find((c) => c.startsWith('Branch')));
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.resume, chosen);
    api.prompts.answerWith(undefined);
    assert.ok(handle, 'Resume returned no handle');
    handle.process.onEvent((e) => seen.push(e));
    const output = watchOutput(handle);
    assert.ok(
      handle.request.sets.some((s) => s.includes('checkpoint-5')),
      handle.request.sets.join(' '),
    );
    const started = await handle.started;
    assert.equal(started?.startStep, 5);
    const saved = await waitFor(handle, seen, savedAtLeast(10), 'checkpoint-10 of the resumed run', output);
    const steps = seen.filter(stepEvent).map((e) => e.step);
    assert.deepEqual(steps.slice(0, 5), [6, 7, 8, 9, 10], `steps after resuming: ${steps.join(', ')}`);
    const state = JSON.parse(readFileSync(path.join(saved.path, 'trainer_state.json'), 'utf8')) as {
      global_step: number;
      log_history: Array<{ step: number; loss?: number }>;
    };
    assert.equal(state.global_step, 10);
    assert.deepEqual(
      state.log_history.filter((e) => e.loss !== undefined).map((e) => e.step),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    const [exit] = await vscode.commands.executeCommand<TrainerExit[]>(COMMANDS.stop, runDir);
    assert.equal(exit?.status, 'stopped');
    const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as {
      resumed_from: string;
      command: string;
    };
    assert.equal(record.resumed_from, chosen);
    assert.match(record.command, /--resume_from_checkpoint .*checkpoint-5$/);
  });

  it('inspects and deletes a Hugging Face checkpoint through the commands', async function () {
    if (!stoppedExit) this.skip();
    const target = path.join(runDir, 'checkpoint-5');
    const doc = await vscode.commands.executeCommand<vscode.TextDocument>(COMMANDS.inspectCheckpoint, target);
    const inspected = JSON.parse(doc.getText()) as {
      format?: string;
      step?: number;
      rngFiles?: number;
      optimizer?: { typeInferred?: boolean };
    };
    assert.deepEqual(
      [inspected.format, inspected.step, inspected.rngFiles, inspected.optimizer?.typeInferred],
      ['huggingface', 5, 2, true],
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    assert.equal(
      await vscode.commands.executeCommand<boolean>(COMMANDS.deleteCheckpoint, target, { confirm: false }),
      true,
    );
    assert.equal(existsSync(target), false);
    assert.equal(
      api.runs.get(runDir)?.checkpoints.some((c) => c.path === target),
      false,
    );
  });
});
