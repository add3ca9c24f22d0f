/**
 * Commands as the user meets them in the real host: every command invoked with each argument shape
 * VS Code passes from each menu it is contributed to (package.json is read, not copied), tree ids
 * unique over the whole expanded tree, and the questions Train and Resume ask before anything
 * starts (resume past max_steps, branching from an older checkpoint, resume_from_checkpoint with
 * nothing to resume, a fresh start into a folder that has checkpoints). Dialogs are answered
 * through the extension's Prompts (a real host's dialogs cannot be clicked from the extension host).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { RunsTreeNode } from '../../../src/extension/tree/runsTreeProvider';
import type { Question } from '../../../src/extension/ui/prompts';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const repoRoot = process.env.TRAINING_RUNS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'menus-suite');
const runsDir = path.join(project, 'runs');

interface MenuItem {
  command: string;
  when?: string;
}

function writeConfig(name: string, body: string): string {
  const file = path.join(project, 'configs', name);
  writeFileSync(file, `extends: ../project.yaml\n${body}`);
  return file;
}

const tiny = (dir: string, maxSteps = 30, extra = '') =>
  `max_steps: ${maxSteps}\nsave_steps: 10\nsave_total_limit: 3\nlog_steps: 5\noutput_dir: ${JSON.stringify(dir)}\n${extra}`;

async function finished(handle: TrainingHandle | undefined): Promise<TrainingHandle> {
  assert.ok(handle, 'no run started');
  const exit = await handle.exited;
  assert.equal(exit.status, 'finished', exit.failure?.message ?? exit.message ?? '');
  return handle;
}

describe('Commands from every menu, and the questions before a run starts', function () {
  this.timeout(180_000);
  let api: TrainingRunsApi;
  let runDir: string;
  let config: string;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate();
    mkdirSync(path.join(project, 'configs'), { recursive: true });
    cpSync(path.join(repoRoot, 'examples', 'checkpointing', 'project.yaml'), path.join(project, 'project.yaml'));
    runDir = path.join(runsDir, 'menus');
    config = writeConfig('menus.yaml', tiny(runDir));
    api.prompts.answerWith(() => undefined);
    await finished(await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, config, { device: 'cpu' }));
    await api.workspaceRuns.scan();
  });
  afterEach(() => api.prompts.answerWith(() => undefined));
  after(() => api.prompts.answerWith(undefined));

  /** Every node of the tree, expanded all the way down. */
  async function walk(node?: RunsTreeNode): Promise<RunsTreeNode[]> {
    const children = (await api.tree.getChildren(node)) ?? [];
    const below = await Promise.all(children.map((c) => walk(c)));
    return children.flatMap((c, i) => [c, ...below[i]!]);
  }

  it("gives every tree item a unique id, down to the Scheduler's type and every detail leaf", async () => {
    const nodes = await walk();
    const ids = nodes.map((n) => api.tree.getTreeItem(n).id).filter((id): id is string => id !== undefined);
    const ofThisRun = nodes.filter((n) => n.kind === 'detail' && n.checkpointPath.startsWith(runDir));
    const schedulers = ofThisRun.filter((n) => n.kind === 'detail' && n.node.label === 'Scheduler');
    assert.ok(schedulers.length >= 3, 'expected a Scheduler node under each checkpoint');
    // The example's cosine scheduler has its own `type` beside the node's `type` leaf.
    const typeLeaves = ofThisRun.filter(
      (n) => n.kind === 'detail' && n.node.label === 'type' && n.node.description === 'cosine',
    );
    assert.ok(typeLeaves.length >= 2 * schedulers.length, `type leaves: ${typeLeaves.length}`);
    const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
    assert.deepEqual(duplicates, []);
    // A refresh gives the same ids again (VS Code keeps expanded nodes by id).
    await vscode.commands.executeCommand(COMMANDS.refresh);
    const again = (await walk()).map((n) => api.tree.getTreeItem(n).id).filter((id): id is string => id !== undefined);
    assert.deepEqual(
      new Set(again.filter((id) => id.includes(runDir))),
      new Set(ids.filter((id) => id.includes(runDir))),
    );
  });

  it('runs each command with every argument shape its menus pass, without an error', async () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const menus = manifest.contributes.menus as Record<string, MenuItem[]>;
    const nodes = await walk();
    const runNode = nodes.find((n) => n.kind === 'run' && n.runDir === runDir)!;
    const checkpointNode = nodes.find((n) => n.kind === 'checkpoint' && n.runDir === runDir)!;
    const detailNode = nodes.find((n) => n.kind === 'detail' && n.checkpointPath.startsWith(runDir))!;
    assert.ok(runNode && checkpointNode && detailNode);
    const configUri = vscode.Uri.file(config);
    const shapes: Record<string, unknown[][]> = {
      // The focused element (any kind), or nothing when no row was clicked.
      'view/title': [[], [runNode], [checkpointNode], [detailNode]],
      'view/item/context': [],
      'editor/title': [[configUri], [configUri, { groupId: 1, editorIndex: 0 }]],
      'explorer/context': [
        [configUri, [configUri]],
        [vscode.Uri.file(project), [vscode.Uri.file(project)]],
      ],
    };
    const hiddenFromPalette = new Set(
      (menus.commandPalette ?? []).filter((i) => i.when === 'false').map((i) => i.command),
    );
    const calls: Array<{ menu: string; command: string; args: unknown[] }> = [];
    for (const [menu, items] of Object.entries(menus)) {
      for (const item of items) {
        if (menu === 'commandPalette') continue;
        const forMenu =
          menu === 'view/item/context'
            ? (/viewItem == run|viewItem =~ \/\^run/.test(item.when ?? '') ? [runNode] : [checkpointNode]).flatMap(
                (n) => [[n], [n, [n]]],
              )
            : shapes[menu];
        assert.ok(forMenu, `no argument shapes for menu ${menu}`);
        for (const args of forMenu) calls.push({ menu, command: item.command, args });
      }
    }
    for (const c of manifest.contributes.commands as Array<{ command: string }>) {
      if (!hiddenFromPalette.has(c.command) && c.command !== COMMANDS.stopAll)
        calls.push({ menu: 'commandPalette', command: c.command, args: [] });
    }
    // Pickers that open are dismissed, as a user pressing Escape would.
    const closer = setInterval(() => void vscode.commands.executeCommand('workbench.action.closeQuickOpen'), 250);
    const failures: string[] = [];
    try {
      for (const call of calls) {
        const label = `${call.command} from ${call.menu} with (${call.args.map((a) => (a instanceof vscode.Uri ? 'Uri' : Array.isArray(a) ? 'array' : typeof a === 'object' && a ? ((a as { kind?: string }).kind ?? 'object') : String(a))).join(', ')})`;
        try {
          const result = await vscode.commands.executeCommand(call.command, ...call.args);
          // Train with a config Uri really trains: let it finish so the next call finds the run idle.
          if (result && typeof result === 'object' && 'exited' in result) await (result as TrainingHandle).exited;
        } catch (err) {
          failures.push(`${label}: ${(err as Error).message}`);
        }
      }
    } finally {
      clearInterval(closer);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
    assert.deepEqual(failures, []);
    assert.ok(calls.length >= 30, `only ${calls.length} calls`);
  });

  it('Resume on a run at its max_steps asks how far to continue; Escape starts nothing', async () => {
    assert.equal(api.runs.get(runDir)?.status, 'finished');
    api.prompts.answerWith(() => undefined);
    const none = await vscode.commands.executeCommand(COMMANDS.resume, { kind: 'run', runDir });
    assert.equal(none, undefined);
    assert.equal(api.training.active().length, 0);
    const [asked] = api.prompts.asked;
    assert.equal(asked?.kind, 'input');
    assert.equal(asked?.value, '60', 'default: another stretch as long as the run');

    api.prompts.answerWith((q) => (q.kind === 'input' ? '40' : undefined));
    const handle = await finished(
      await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.resume, { kind: 'run', runDir }),
    );
    assert.ok(handle.request.sets.includes('max_steps=40'), handle.request.sets.join(' '));
    assert.ok(
      handle.request.sets.includes('resume_from_checkpoint=true'),
      `plain Resume decides from the folders: ${handle.request.sets.join(' ')}`,
    );
    assert.equal((await handle.started)?.startStep, 30);
    assert.equal(api.runs.get(runDir)?.checkpoints[0]?.name, 'checkpoint-40');
  });

  it('Resume From Here on an older checkpoint asks first, then moves the later ones aside and keeps the one resumed from', async () => {
    const from = api.runs.get(runDir)!.checkpoints.find((c) => c.name === 'checkpoint-20')!;
    assert.ok(
      from,
      api.runs
        .get(runDir)!
        .checkpoints.map((c) => c.name)
        .join(', '),
    );
    const laterMtimes = new Map(
      ['checkpoint-30', 'checkpoint-40'].map((n) => [n, statSync(path.join(runDir, 'checkpoints', n)).mtimeMs]),
    );

    api.prompts.answerWith(() => undefined);
    assert.equal(
      await vscode.commands.executeCommand(COMMANDS.resumeFromCheckpoint, {
        kind: 'checkpoint',
        runDir,
        path: from.path,
      }),
      undefined,
    );
    const question = api.prompts.asked[0] as Question;
    assert.equal(question.kind, 'warning');
    assert.equal(question.modal, true);
    assert.match(`${question.message} ${question.detail}`, /checkpoint-40, checkpoint-30|checkpoint-30, checkpoint-40/);
    assert.match(question.detail ?? '', /abandoned-branches/);
    assert.ok(existsSync(path.join(runDir, 'checkpoints', 'checkpoint-40')), 'cancel must leave everything in place');

    api.prompts.answerWith((q) => q.choices.find((c) => c.startsWith('Branch')));
    const handle = await finished(
      await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.resumeFromCheckpoint, {
        kind: 'checkpoint',
        runDir,
        path: from.path,
      }),
    );
    assert.equal((await handle.started)?.startStep, 20);
    assert.ok(
      handle.request.sets.includes(`resume_from_checkpoint=${JSON.stringify(from.path)}`),
      `Resume From Here passes its checkpoint: ${handle.request.sets.join(' ')}`,
    );
    // Retention (save_total_limit 3) kept the checkpoint resumed from; the old branch is aside, whole.
    assert.deepEqual(
      api.runs
        .get(runDir)!
        .checkpoints.map((c) => c.name)
        .sort(),
      ['checkpoint-20', 'checkpoint-30', 'checkpoint-40'],
    );
    const [branch] = readdirSync(path.join(runDir, 'abandoned-branches'));
    assert.ok(branch);
    const aside = path.join(runDir, 'abandoned-branches', branch);
    assert.deepEqual(readdirSync(aside).sort(), ['checkpoint-30', 'checkpoint-40']);
    for (const [name, mtime] of laterMtimes)
      assert.equal(statSync(path.join(aside, name)).mtimeMs, mtime, `${name} moved unchanged`);
    // Discovery does not take the abandoned branch for a run.
    await api.workspaceRuns.scan();
    assert.ok(
      !api.runs.runs().some((r) => r.dir.includes('abandoned-branches')),
      api.runs
        .runs()
        .map((r) => r.dir)
        .join('\n'),
    );
  });

  it('resume_from_checkpoint: true with nothing to resume warns at once and offers a fresh start', async () => {
    const empty = path.join(runsDir, 'nothing-yet');
    const resumeConfig = writeConfig('resume-nothing.yaml', tiny(empty, 10, 'resume_from_checkpoint: true\n'));
    api.prompts.answerWith(() => undefined);
    assert.equal(await vscode.commands.executeCommand(COMMANDS.train, resumeConfig, { device: 'cpu' }), undefined);
    assert.equal(api.training.active().length, 0);
    assert.equal(api.prompts.asked[0]?.kind, 'warning');
    assert.match(api.prompts.asked[0]?.message ?? '', /resume_from_checkpoint is true, but .*no checkpoint/);

    api.prompts.answerWith((q) => (q.choices.includes('Start Fresh') ? 'Start Fresh' : undefined));
    const handle = await finished(
      await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, resumeConfig, { device: 'cpu' }),
    );
    assert.equal((await handle.started)?.startStep, 0);
  });

  it('training again into a folder with checkpoints offers Resume, a new folder or Replace, and an open panel drops the old curve', async () => {
    const again = path.join(runsDir, 'again');
    const againConfig = writeConfig('again.yaml', tiny(again, 20));
    await finished(
      await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, againConfig, { device: 'cpu' }),
    );

    api.prompts.answerWith(() => undefined);
    assert.equal(await vscode.commands.executeCommand(COMMANDS.train, againConfig, { device: 'cpu' }), undefined);
    assert.deepEqual(api.prompts.asked[0]?.choices, ['Resume', 'New Folder', 'Replace']);

    api.prompts.answerWith(() => 'New Folder');
    const elsewhere = await finished(
      await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, againConfig, { device: 'cpu' }),
    );
    assert.equal(elsewhere.runDir, `${again}-2`);

    assert.equal(await vscode.commands.executeCommand(COMMANDS.openLossCurves, again), true);
    const panel = api.lossCurves.openPanels.find((p) => p.runDirs.includes(again))!;
    const feed = panel.feeds.find((f) => f.runDir === again)!;
    await feed.load();
    assert.equal(feed.snapshot(10_000).series.steps.length, 4, 'steps 5..20 of the first run');

    api.prompts.answerWith(() => 'Replace');
    const replaced = await finished(
      await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, againConfig, { device: 'cpu' }),
    );
    assert.equal((await replaced.started)?.startStep, 0);
    const steps = feed.snapshot(10_000).series.steps;
    assert.deepEqual(steps, [...new Set(steps)], `the old curve is gone: ${steps.join(',')}`);
    assert.equal(steps.length, 4);
    const [branch] = readdirSync(path.join(again, 'abandoned-branches'));
    assert.deepEqual(readdirSync(path.join(again, 'abandoned-branches', branch!)).sort(), [
      'checkpoint-10',
      'checkpoint-20',
      'metrics.jsonl',
    ]);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
