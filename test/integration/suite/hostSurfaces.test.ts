/**
 * Surfaces of the host that are not commands: config problems in the Problems panel with a quick
 * fix, tree rows whose relative ages are re-rendered as time passes, and Open Loss Curves' picker,
 * whose pre-selection decides what Enter charts.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import { RunsTreeProvider } from '../../../src/extension/tree/runsTreeProvider';
import { until } from './until';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const repoRoot = process.env.TRAINING_RUNS_REPO_ROOT ?? path.resolve(__dirname, '../../../..');
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'surfaces-suite');

describe('Config diagnostics and tree ages in the real host', function () {
  this.timeout(90_000);
  let api: TrainingRunsApi;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate();
    mkdirSync(path.join(project, 'configs'), { recursive: true });
    cpSync(path.join(repoRoot, 'examples', 'checkpointing', 'project.yaml'), path.join(project, 'project.yaml'));
  });
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('publishes a config problem at its line and column, once located, with a did-you-mean quick fix; saving the fix clears it', async () => {
    const file = path.join(project, 'configs', 'typo.yaml');
    writeFileSync(file, 'extends: ../project.yaml\nmax_steps: 10\noptimizer:\n  learnin_rate: 0.1\n');
    const uri = vscode.Uri.file(file);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const [diagnostic] = await until('a diagnostic', () => {
      const found = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Training Runs');
      return found.length > 0 ? found : undefined;
    });
    assert.ok(diagnostic);
    assert.deepEqual(
      [diagnostic.range.start.line, diagnostic.range.start.character, diagnostic.range.end.character],
      [3, 2, 14],
    );
    assert.equal(doc.getText(diagnostic.range), 'learnin_rate');
    assert.match(diagnostic.message, /^optimizer\.learnin_rate: unknown key; did you mean "learning_rate"\?$/);
    assert.doesNotMatch(diagnostic.message, /typo\.yaml/);

    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      diagnostic.range,
      vscode.CodeActionKind.QuickFix.value,
    );
    const fix = actions.find((a) => a.title === 'Change to "learning_rate"');
    assert.ok(fix?.edit, actions.map((a) => a.title).join(', '));
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.ok(await doc.save());
    await until('the diagnostic to clear', () =>
      vscode.languages.getDiagnostics(uri).some((d) => d.source === 'Training Runs') ? undefined : true,
    );
    assert.match(doc.getText(), /learning_rate: 0\.1/);
  });

  it('Open Loss Curves with no run given pre-selects the run that trains, so Enter charts it', async () => {
    const runDir = path.join(project, 'runs', 'picked');
    const config = path.join(project, 'configs', 'picked.yaml');
    writeFileSync(
      config,
      `extends: ../project.yaml\nmax_steps: 100000\nsave_steps: 100000\nlog_steps: 10\noutput_dir: ${JSON.stringify(runDir)}\n`,
    );
    const handle = await vscode.commands.executeCommand<TrainingHandle>(COMMANDS.train, config, {
      device: 'cpu',
    });
    assert.ok(handle, 'no run started');
    try {
      await handle.started;
      await until('the run to show as training', () =>
        api.runs.get(runDir)?.status === 'training' ? true : undefined,
      );
      let done = false;
      const opened = vscode.commands.executeCommand<boolean>(COMMANDS.openLossCurves).then((r) => ((done = true), r));
      // Enter on the picker, as soon as it is up: it charts what is pre-selected (nothing, without the fix).
      const deadline = Date.now() + 15_000;
      while (!done && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 300));
        await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      }
      assert.equal(await opened, true, 'Enter charted nothing');
      assert.ok(
        api.lossCurves.openPanels.some((p) => p.runDirs.includes(runDir)),
        'no panel charts the training run',
      );
    } finally {
      await vscode.commands.executeCommand(COMMANDS.stop, runDir);
      await handle.exited;
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('re-renders the tree while time passes, so "just now" becomes "1 min ago" without a file change', async () => {
    mkdirSync(path.join(project, 'runs', 'aged'), { recursive: true });
    writeFileSync(
      path.join(project, 'runs', 'aged', 'run.json'),
      JSON.stringify({ status: 'finished', max_steps: 10 }),
    );
    await api.workspaceRuns.scan();
    assert.ok(api.runs.get(path.join(project, 'runs', 'aged')));
    const tree = new RunsTreeProvider(api.runs, { ageRefreshMs: 50 });
    try {
      let fired = 0;
      const sub = tree.onDidChangeTreeData(() => fired++);
      await new Promise((r) => setTimeout(r, 400));
      sub.dispose();
      assert.ok(fired >= 3, `fired ${fired} times in 400 ms`);
    } finally {
      tree.dispose();
    }
  });
});
