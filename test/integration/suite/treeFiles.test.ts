/**
 * The Runs tree's checkpoint detail nodes in the real host: the Model node lists its tensors from
 * the safetensors header, and a JSON file node's click opens that file in an editor.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { RunsTreeNode } from '../../../src/extension/tree/runsTreeProvider';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const repoRoot = process.env.TRAINING_RUNS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'tree-files-suite');
const runDir = path.join(project, 'runs', 'tree-files');

describe("Checkpoint detail nodes: the Model node's tensors and file nodes that open", function () {
  this.timeout(180_000);
  let api: TrainingRunsApi;
  let checkpoint: RunsTreeNode;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate();
    mkdirSync(path.join(project, 'configs'), { recursive: true });
    cpSync(path.join(repoRoot, 'examples', 'checkpointing', 'project.yaml'), path.join(project, 'project.yaml'));
    const config = path.join(project, 'configs', 'tree-files.yaml');
    writeFileSync(
      config,
      `extends: ../project.yaml\nmax_steps: 10\nsave_steps: 10\nlog_steps: 5\noutput_dir: ${JSON.stringify(runDir)}\n`,
    );
    api.prompts.answerWith(() => undefined);
    const handle = await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, config, {
      device: 'cpu',
    });
    assert.ok(handle, 'no run started');
    const exit = await handle.exited;
    assert.equal(exit.status, 'finished', exit.failure?.message ?? exit.message ?? '');
    await api.workspaceRuns.scan();
    const run = ((await api.tree.getChildren()) ?? []).find((n) => n.kind === 'run' && n.runDir === runDir);
    assert.ok(run, 'the run is not in the tree');
    const found = ((await api.tree.getChildren(run)) ?? []).find((n) => n.kind === 'checkpoint');
    assert.ok(found, 'the run has no checkpoint in the tree');
    checkpoint = found;
  });
  after(() => api.prompts.answerWith(undefined));

  async function detail(parent: RunsTreeNode, label: string): Promise<RunsTreeNode & { kind: 'detail' }> {
    const children = (await api.tree.getChildren(parent)) ?? [];
    const node = children.find(
      (n): n is RunsTreeNode & { kind: 'detail' } => n.kind === 'detail' && n.node.label === label,
    );
    assert.ok(
      node,
      `no "${label}" under the node: ${children.map((n) => (n.kind === 'detail' ? n.node.label : n.kind)).join(', ')}`,
    );
    return node;
  }

  it('expands the Model node into its tensors with shape and dtype', async () => {
    const model = await detail(checkpoint, 'Model');
    assert.equal(api.tree.getTreeItem(model).collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    const tensors = ((await api.tree.getChildren(model)) ?? []).map((n) => api.tree.getTreeItem(n));
    assert.ok(tensors.length > 0, 'the Model node lists no tensors');
    for (const t of tensors)
      assert.match(
        String(t.description),
        /^\[[\d, ]*\] (float32|int32)$/,
        `${String(t.label)}: ${String(t.description)}`,
      );
    const ids = tensors.map((t) => t.id);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('opens a JSON file node in an editor when it is clicked', async () => {
    const files = await detail(checkpoint, 'Files');
    const json = ((await api.tree.getChildren(files)) ?? []).find(
      (n) => n.kind === 'detail' && n.node.label.endsWith('.json'),
    );
    assert.ok(json && json.kind === 'detail', 'no JSON file under Files');
    const command = api.tree.getTreeItem(json).command;
    assert.ok(command, 'the JSON file node has no command');
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, path.join(json.checkpointPath, json.node.label));
  });

  it('opens a safetensors file node through Inspect Checkpoint', async () => {
    const files = await detail(checkpoint, 'Files');
    const weights = ((await api.tree.getChildren(files)) ?? []).find(
      (n) => n.kind === 'detail' && n.node.label === 'model.safetensors',
    );
    assert.ok(weights && weights.kind === 'detail', 'no model.safetensors under Files');
    const command = api.tree.getTreeItem(weights).command;
    assert.ok(command, 'the safetensors file node has no command');
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    const doc = vscode.window.activeTextEditor?.document;
    assert.equal(doc?.uri.scheme, 'training-checkpoint');
    assert.match(doc?.getText() ?? '', /model\.safetensors|"tensors"/);
  });
});
