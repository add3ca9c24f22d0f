/**
 * "Training: Compare Runs" in the real extension host: two runs of the example trained with
 * different learning rates appear in the table (its real webview says ready and gets them), with
 * the learning rate among the differing config columns; Compare curves opens one loss-curves panel
 * with both; notes saved from the table are in the run's folder, in the tree's tooltip, and still
 * there after the runs are dropped and discovered again and for a fresh store (as after a restart);
 * rename keeps the folder; delete asks first and is refused while the run trains; CSV export writes
 * what the table shows. The tree's tooltip names the best checkpoint's value of the metric that chose it.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunRow, TableHostToWebview } from '../../../src/core/protocol/runsTable';
import { formatValue } from '../../../src/core/format';
import { RUN_NOTES_FILE } from '../../../src/core/runsTable/runNotes';
import { configColumns } from '../../../src/core/runsTable/tableColumns';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import { RunStore } from '../../../src/extension/store/runStore';
import { fileRunReader } from '../../../src/extension/store/runReader';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { RunsTablePanel } from '../../../src/extension/runsTable/runsTablePanel';
import { RunsTableSource } from '../../../src/extension/runsTable/runsTableSource';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
const project = path.join(workspace, 'compare-suite');
const runsDir = path.join(project, 'runs');
const lowLr = path.join(runsDir, 'lr-0.001');
const highLr = path.join(runsDir, 'lr-0.01');

function nextPost(
  panel: RunsTablePanel,
  accept: (m: TableHostToWebview) => boolean,
  timeoutMs = 30_000,
): Promise<TableHostToWebview> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => (sub.dispose(), reject(new Error(`the table posted nothing expected within ${timeoutMs} ms`))),
      timeoutMs,
    );
    const sub = panel.onDidPost((m) => {
      if (!accept(m)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(m);
    });
  });
}

/**
 * Opens the table through its command, closing any open one first, and returns its rows once every
 * run's details (read after the first paint) reached it: the `init` rows with the `rows` updates.
 */
async function openTable(): Promise<{ panel: RunsTablePanel; rows: RunRow[]; fromWebview: string[] }> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const panel = await vscode.commands.executeCommand<RunsTablePanel>(COMMANDS.compareRuns);
  assert.ok(panel, 'Compare Runs returned no panel');
  // What the real webview says (its `painted` starts the details' reads).
  const fromWebview: string[] = [];
  panel.panel.webview.onDidReceiveMessage((m: { type?: unknown }) => fromWebview.push(String(m?.type)));
  const init = await nextPost(panel, (m) => m.type === 'init', 60_000);
  assert.ok(init.type === 'init');
  const order = init.rows.map((r) => r.runDir);
  const latest = (): RunRow[] => {
    const byDir = new Map(panel.shownRows.map((r) => [r.runDir, r]));
    return order.flatMap((d) => byDir.get(d) ?? []);
  };
  while (latest().some((r) => r.detailsPending)) await nextPost(panel, (m) => m.type === 'rows', 60_000);
  return { panel, rows: latest(), fromWebview };
}

async function train(outputDir: string, lr: string, extra: string[] = []): Promise<void> {
  const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(
    COMMANDS.train,
    path.join(project, 'configs', 'train.yaml'),
    {
      sets: [
        `optimizer.learning_rate=${lr}`,
        `output_dir=${outputDir}`,
        'max_steps=20',
        'save_steps=10',
        'log_steps=5',
        ...extra,
      ],
      device: 'cpu',
    },
  );
  assert.ok(handle, 'Train returned no handle');
  const exit = await handle.exited;
  assert.equal(exit.status, 'finished', exit.message ?? '');
}

describe('Compare Runs table', function () {
  this.timeout(180_000);
  let api: TrainingRunsApi;

  before(async () => {
    api = (await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate())!;
    const example = path.join(process.env.TRAINING_RUNS_REPO_ROOT!, 'examples', 'checkpointing');
    mkdirSync(project, { recursive: true });
    cpSync(example, project, { recursive: true, filter: (src) => !src.includes(`${path.sep}runs`) });
    await train(lowLr, '0.001');
    await train(highLr, '0.01');
    await api.workspaceRuns.scan();
  });

  after(() => api?.prompts.answerWith(undefined));

  it('shows both runs, newest first, with the learning rate as the one differing column', async () => {
    const { rows, fromWebview } = await openTable();
    // The real webview says when init is on screen (the panel reads details it still lacks only then).
    const t0 = Date.now();
    while (!fromWebview.includes('painted') && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 50));
    assert.ok(fromWebview.includes('painted'), `the webview never said it painted init: ${fromWebview.join(', ')}`);
    const ours = rows.filter((r) => r.runDir === lowLr || r.runDir === highLr);
    assert.deepEqual(
      ours.map((r) => r.runDir),
      [highLr, lowLr],
      'newest first',
    );
    for (const r of ours) {
      assert.equal(r.status, 'finished');
      assert.equal(r.steps, 20);
      assert.equal(r.kind, 'native');
      assert.ok(r.finalLoss !== null && Number.isFinite(r.finalLoss), `final loss of ${r.folder}`);
      assert.ok(r.checkpointsKept >= 2 && (r.diskBytes ?? 0) > 0);
      assert.ok(r.backend, 'backend recorded');
    }
    assert.deepEqual(
      ours.map((r) => r.config['optimizer.learning_rate']),
      [0.01, 0.001],
    );
    // output_dir differs too, but says where a run is, not how it trains: not a differing column.
    assert.deepEqual(
      configColumns(ours, false).map((c) => c.label),
      ['optimizer.learning_rate'],
    );
  });

  it('Compare curves opens one loss-curves panel with both runs', async () => {
    const { panel } = await openTable();
    const before = api.lossCurves.openPanels.length;
    await panel.receive({ type: 'compare', runDirs: [highLr, lowLr] });
    const opened = api.lossCurves.openPanels;
    assert.equal(opened.length, before + 1);
    assert.deepEqual(opened.at(-1)?.runDirs, [lowLr, highLr].sort());
    // Compared again: the same panel, revealed.
    await panel.receive({ type: 'compare', runDirs: [lowLr, highLr] });
    assert.equal(api.lossCurves.openPanels.length, before + 1);
    // Anything not a run of the table is refused.
    const refused = nextPost(panel, (m) => m.type === 'notice' && m.level === 'error');
    await panel.receive({ type: 'compare', runDirs: ['/not/a/run'] });
    assert.match(((await refused) as { message: string }).message, /Not runs of this table/);
  });

  it('keeps notes in the run folder: in the tooltip, after rediscovery, and for a fresh store', async () => {
    const { panel } = await openTable();
    const updated = nextPost(
      panel,
      (m) => m.type === 'rows' && m.changed.some((r) => r.runDir === lowLr && r.notes === 'baseline lr'),
    );
    await panel.receive({ type: 'saveNotes', runDir: lowLr, notes: 'baseline lr', tags: ['sweep', 'baseline'] });
    await updated;
    assert.deepEqual(JSON.parse(readFileSync(path.join(lowLr, RUN_NOTES_FILE), 'utf8')).tags, ['sweep', 'baseline']);
    const item = api.tree.getTreeItem({ kind: 'run', runDir: lowLr });
    const resolved = await api.tree.resolveTreeItem(item, { kind: 'run', runDir: lowLr });
    assert.match(String(resolved.tooltip), /Tags: sweep, baseline\nNotes: baseline lr/);

    // Dropped and discovered again, then a reopened table: the notes come from the folder.
    await api.runs.setRunDirs([]);
    await api.workspaceRuns.scan();
    const { rows } = await openTable();
    assert.equal(rows.find((r) => r.runDir === lowLr)?.notes, 'baseline lr');
    // A store built afresh on the same folders (as after a restart) reads them too.
    const model = new RunStore({ reader: fileRunReader });
    await model.setRunDirs([lowLr]);
    const fresh = new RunsTableSource(model);
    await fresh.rows();
    await fresh.detailsRead();
    assert.deepEqual(
      (await fresh.rows()).map((r) => [r.notes, r.tags]),
      [['baseline lr', ['sweep', 'baseline']]],
    );
    fresh.dispose();
  });

  it('renames a run by its display name, leaving its folder where it is', async () => {
    const { panel } = await openTable();
    api.prompts.answerWith((q) => (q.kind === 'input' ? 'fast lr' : undefined));
    const renamed = nextPost(
      panel,
      (m) => m.type === 'rows' && m.changed.some((r) => r.runDir === highLr && r.name === 'fast lr'),
    );
    await panel.receive({ type: 'rename', runDir: highLr });
    await renamed;
    assert.equal(api.prompts.asked[0]?.value, 'lr-0.01');
    assert.ok(existsSync(path.join(highLr, 'run.json')), 'the folder is not moved');
  });

  it('deletes a run only after confirmation, and never one that trains', async () => {
    const doomed = path.join(runsDir, 'doomed');
    cpSync(lowLr, doomed, { recursive: true });
    const busy = path.join(runsDir, 'busy');
    mkdirSync(busy, { recursive: true });
    writeFileSync(path.join(busy, 'run.json'), JSON.stringify({ status: 'training', pid: process.pid }));
    await api.workspaceRuns.scan();
    const { panel } = await openTable();

    api.prompts.answerWith(() => undefined);
    await panel.receive({ type: 'delete', runDir: doomed });
    assert.equal(api.prompts.asked[0]?.modal, true);
    assert.match(api.prompts.asked[0]?.message ?? '', /Delete the run doomed\?/);
    assert.ok(existsSync(doomed), 'dismissed: nothing deleted');

    api.prompts.answerWith((q) => q.choices.find((c) => c.startsWith('Delete')));
    const refused = nextPost(panel, (m) => m.type === 'notice' && m.level === 'error');
    await panel.receive({ type: 'delete', runDir: busy });
    assert.match(((await refused) as { message: string }).message, /busy is training; stop it before deleting it/);
    assert.equal(api.prompts.asked.length, 0, 'no question for a training run');
    assert.ok(existsSync(busy));

    const removed = nextPost(panel, (m) => m.type === 'rows' && m.removed.includes(doomed));
    await panel.receive({ type: 'delete', runDir: doomed });
    await removed;
    assert.equal(existsSync(doomed), false);
    // To the trash where the host has one; otherwise a second, explicit confirmation came first.
    const questions = api.prompts.asked.map((q) => q.choices[0]);
    assert.ok(
      questions.length === 1 || (questions.length === 2 && questions[1] === 'Delete Permanently'),
      questions.join(', '),
    );
    console.log(`      [note] delete asked: ${questions.join(' → ')}`);
    // No run of another suite should look as if it trained.
    rmSync(busy, { recursive: true, force: true });
    await api.workspaceRuns.scan();
  });

  it('exports the table as CSV through the save dialog', async () => {
    const { panel } = await openTable();
    const target = path.join(workspace, 'exported-runs.csv');
    api.prompts.answerWith((q) => (q.kind === 'save' ? target : undefined));
    const done = nextPost(panel, (m) => m.type === 'notice' && m.level === 'info');
    await panel.receive({
      type: 'exportCsv',
      runDirs: [highLr, lowLr],
      columns: ['name', 'steps', 'config.optimizer.learning_rate'],
    });
    assert.match(((await done) as { message: string }).message, /Exported 2 run\(s\)/);
    assert.equal(
      readFileSync(target, 'utf8'),
      'Name,Steps,optimizer.learning_rate\r\nfast lr,20,0.01\r\nlr-0.001,20,0.001\r\n',
    );
    assert.equal(api.prompts.asked[0]?.kind, 'save');
  });

  it("the tree's tooltip shows the best checkpoint's eval_loss, the metric that chose it", async () => {
    const evaluated = path.join(runsDir, 'evaluated');
    await train(evaluated, '0.01', ['eval_steps=10']);
    await api.workspaceRuns.scan();
    const run = api.runs.get(evaluated);
    const best = run?.checkpoints.find((c) => c.best);
    assert.ok(best, `a best checkpoint among ${run?.checkpoints.map((c) => c.name).join(', ')}`);
    const state = JSON.parse(readFileSync(path.join(best.path, 'trainer_state.json'), 'utf8'));
    assert.equal(state.best_metric_name, 'eval_loss');
    const item = api.tree.getTreeItem({ kind: 'run', runDir: evaluated });
    const resolved = await api.tree.resolveTreeItem(item, { kind: 'run', runDir: evaluated });
    const line = String(resolved.tooltip)
      .split('\n')
      .find((l) => l.startsWith('Best checkpoint:'));
    const value = state.metrics?.eval_loss ?? state.best_metric;
    assert.equal(typeof value, 'number');
    assert.match(
      line ?? '',
      new RegExp(`^Best checkpoint: ${best.name} \\(eval_loss ${formatValue(value)}; mean loss `),
    );
  });

  it('refuses to save over a notes file it cannot read, naming the file and the fix', async () => {
    const { panel } = await openTable();
    const file = path.join(lowLr, RUN_NOTES_FILE);
    writeFileSync(file, '{"notes": 3}');
    const refused = nextPost(panel, (m) => m.type === 'notice' && m.level === 'error');
    await panel.receive({ type: 'saveNotes', runDir: lowLr, notes: 'new', tags: [] });
    assert.match(
      ((await refused) as { message: string }).message,
      /run-notes\.json: notes: .*fix the field or delete the file\. Notes not saved/,
    );
    assert.equal(readFileSync(file, 'utf8'), '{"notes": 3}', 'the file is left as it was');
  });
});
