/**
 * Every metric in the loss-curves panel, in the real extension host with its real webview: a
 * Hugging Face run whose only evaluation metric is in TensorBoard event files (the committed
 * Python-written fixture under runs/<session>/) shows eval/loss in the panel, and the webview's own
 * Export CSV and Export PNG write, through the save dialog, the charted points and a PNG image.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToWebview } from '../../../src/core/protocol/webview';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { LossCurvesPanel } from '../../../src/extension/lossCurves/lossCurvesPanel';
import { writeHfCheckpoint } from '../../unit/extension/external/hfHelpers';
import { SIMPLE_FIXTURE } from '../../unit/core/tensorboard/fixtureSpec';
import { until } from './until';

const extensionId = 'training-runs.training-runs';

function nextPost(
  panel: LossCurvesPanel,
  wanted: (m: HostToWebview) => boolean,
  timeoutMs = 30_000,
): Promise<HostToWebview> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the panel posted no such message within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = panel.onDidPost((m) => {
      if (!wanted(m)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(m);
    });
  });
}

describe('loss curves: every metric, TensorBoard logs and exports', function () {
  this.timeout(120_000);
  let api: TrainingRunsApi;
  let workspace: string;
  let runDir: string;
  let panel: LossCurvesPanel;

  before(async () => {
    api = (await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate())!;
    workspace = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    runDir = path.join(workspace, 'hf-output', `tb-${Date.now()}`);
    // The Trainer's log_history has the training loss only; evaluation went to TensorBoard.
    writeHfCheckpoint(runDir, 30, {
      log: [10, 20, 30].map((step) => ({ step, loss: 3 / step, learning_rate: 0.001, epoch: step / 30 })),
    });
    const session = path.join(runDir, 'runs', 'Dec07_10-00-00_host');
    mkdirSync(session, { recursive: true });
    const fixtures = path.join(process.env.TRAINING_RUNS_REPO_ROOT!, 'test', 'unit', 'core', 'tensorboard', 'fixtures');
    copyFileSync(path.join(fixtures, SIMPLE_FIXTURE.name), path.join(session, SIMPLE_FIXTURE.name));
    await api.workspaceRuns.scan();
    await until('the run in the store', () => api.runs.get(runDir));
    // The panel opens on eval/loss, as if the user had picked it there before.
    const first = api.lossCurves.show([runDir]);
    await first.receive({
      type: 'settings',
      settings: {
        runDirs: [runDir],
        smoothing: 0,
        logScale: false,
        selectedRun: null,
        hiddenRuns: [],
        metric: 'eval/loss',
      },
    });
    first.dispose();
  });

  after(async () => {
    api?.prompts.answerWith(undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    rmSync(path.join(workspace, 'hf-output'), { recursive: true, force: true });
  });

  it('shows eval/loss, logged only to TensorBoard, as a metric of the run: its points first, the others right after', async () => {
    panel = api.lossCurves.show([runDir]);
    const initPosted = nextPost(panel, (m) => m.type === 'init');
    const restPosted = nextPost(panel, (m) => m.type === 'metrics');
    const init = await initPosted;
    assert.ok(init.type === 'init');
    const [run] = init.runs;
    assert.deepEqual(run?.series.steps, [10, 20, 30], 'the loss curve from log_history');
    assert.deepEqual(
      run?.scalars,
      { 'eval/loss': { steps: [20], values: [1.5], time: [1700000003] } },
      'the shown metric only',
    );
    // log_history's epoch is a logged number too; eval/accuracy and train/* come from TensorBoard.
    assert.deepEqual(run?.metricNames?.sort(), [
      'epoch',
      'eval/accuracy',
      'eval/loss',
      'train/learning_rate',
      'train/loss',
    ]);
    assert.equal(init.settings?.metric, 'eval/loss');
    const rest = await restPosted;
    assert.ok(rest.type === 'metrics');
    assert.equal(rest.runDir, runDir);
    assert.deepEqual(Object.keys(rest.scalars).sort(), ['epoch', 'eval/accuracy', 'train/learning_rate', 'train/loss']);
    assert.deepEqual(rest.scalars['train/loss']?.steps, [10, 20, 30]);
  });

  it('a webview that says with `ready` which metric it shows gets that metric’s points in `init`', async () => {
    const initPosted = nextPost(panel, (m) => m.type === 'init');
    const restPosted = nextPost(panel, (m) => m.type === 'metrics');
    await panel.receive({ type: 'ready', plotWidth: 400, metric: 'train/loss' });
    const init = await initPosted;
    assert.ok(init.type === 'init');
    assert.deepEqual(Object.keys(init.runs[0]?.scalars ?? {}), ['train/loss']);
    const rest = await restPosted;
    assert.ok(rest.type === 'metrics');
    assert.deepEqual(Object.keys(rest.scalars).sort(), ['epoch', 'eval/accuracy', 'eval/loss', 'train/learning_rate']);
    // Back to what the webview shows, for the export tests below.
    await panel.receive({ type: 'ready', plotWidth: 400, metric: 'eval/loss' });
  });

  it('Export CSV writes the charted metric’s points (the webview charts eval/loss, not the loss it falls back to)', async () => {
    const target = path.join(workspace, 'hf-output', 'exported.csv');
    api.prompts.answerWith((q) => (q.kind === 'save' ? target : undefined));
    panel.requestExport('csv');
    // Written when its last line is: the file may be seen while it is being written.
    await until('the CSV file', () =>
      existsSync(target) && readFileSync(target, 'utf8').endsWith('\n') ? true : undefined,
    );
    assert.equal(
      readFileSync(target, 'utf8'),
      `run,run_dir,metric,step,wall_time,value\n${path.basename(runDir)},${runDir},eval/loss,20,1700000003,1.5\n`,
    );
    assert.equal(api.prompts.asked[0]?.kind, 'save');
    assert.match(api.prompts.asked[0]?.value ?? '', /eval_loss\.csv$/, 'the proposed name is the metric’s');
  });

  it('Export PNG writes a PNG image of the chart', async () => {
    const target = path.join(workspace, 'hf-output', 'chart.png');
    api.prompts.answerWith((q) => (q.kind === 'save' ? target : undefined));
    panel.requestExport('png');
    await until('the PNG file', () =>
      existsSync(target) && readFileSync(target).includes(Buffer.from('IEND', 'latin1')) ? true : undefined,
    );
    const png = readFileSync(target);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature');
    assert.equal(png.toString('latin1', 12, 16), 'IHDR');
    const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
    assert.ok(width >= 100 && height >= 100, `a chart-sized image (${width} x ${height})`);
  });
});
