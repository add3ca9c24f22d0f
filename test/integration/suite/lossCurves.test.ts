/**
 * The loss-curves panel in the real extension host: a real webview (code-server's Chromium) loads
 * the built bundle under the panel's CSP, says ready, and receives the run's history; the panel's
 * messages resume only from the run's own valid checkpoints; live points are batched and held back
 * while the panel is hidden.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import {
  CheckpointManager,
  DEFAULT_CHECKPOINT_OPTIONS,
  type CheckpointContent,
} from '../../../src/core/checkpoint/index';
import type { TrainerEvent } from '../../../src/core/protocol/trainerEvents';
import type { HostToWebview } from '../../../src/core/protocol/webview';
import { LossCurvesManager } from '../../../src/extension/lossCurves/lossCurvesManager';
import type { LossCurvesPanel } from '../../../src/extension/lossCurves/lossCurvesPanel';
import { fileRunReader } from '../../../src/extension/store/runReader';
import { RunStore } from '../../../src/extension/store/runStore';
import { WorkspaceRuns } from '../../../src/extension/store/workspaceRuns';
import { blindFolder, unblindFolders } from './blindFolder';

const extensionId = 'training-runs.training-runs';
const STEPS = 3000;

function content(step: number): CheckpointContent {
  return {
    step,
    weights: { 'dense/kernel': { dtype: 'float32', shape: [2, 2], data: Float32Array.from([step, 1, 2, 3]) } },
    trainerState: {
      global_step: step,
      epoch: 0,
      data_position: { cursor: step },
      rng: { seed: 1 },
      loss: 1 / step,
      best_metric_name: null,
      best_metric: null,
      best_checkpoint: null,
      greater_is_better: false,
    },
  };
}

/** A run folder as the trainer leaves it: metrics.jsonl with a resume, run.json, two valid checkpoints and a broken one. */
async function makeRun(root: string): Promise<string> {
  const runDir = join(root, 'runs', `curves-${Date.now()}`);
  mkdirSync(runDir, { recursive: true });
  const lines: string[] = [];
  const point = (step: number): string =>
    JSON.stringify({
      step,
      loss: 0.1 + 2 * Math.exp(-step / 500) + 0.05 * Math.sin(step),
      lr: 0.001,
      examples_per_sec: 500,
      time: Date.now(),
    });
  // Trained to 2500, stopped, resumed from checkpoint-2000 and trained on to 3000.
  for (let step = 1; step <= 2500; step++) lines.push(point(step));
  lines.push(JSON.stringify({ event: 'resumed', step: 2000, from: 'checkpoint-2000', time: Date.now() }));
  for (let step = 2001; step <= STEPS; step++) lines.push(point(step));
  writeFileSync(join(runDir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ status: 'stopped' }));
  const manager = new CheckpointManager(runDir, {
    ...DEFAULT_CHECKPOINT_OPTIONS,
    save_optimizer_state: false,
    save_scheduler_state: false,
    save_total_limit: null,
    metric_for_best_model: null,
    greater_is_better: false,
  });
  for (const step of [1000, 2000]) await (await manager.save(content(step))).done;
  mkdirSync(join(runDir, 'checkpoints', 'checkpoint-2500'), { recursive: true });
  return runDir;
}

function nextPost(panel: LossCurvesPanel, type: HostToWebview['type'], timeoutMs = 30_000): Promise<HostToWebview> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`the panel posted no "${type}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const sub = panel.onDidPost((m) => {
      if (m.type !== type) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(m);
    });
  });
}

const stepEvent = (step: number): TrainerEvent => ({
  type: 'step',
  step,
  maxSteps: 10_000,
  epoch: 0,
  loss: 0.5,
  lr: 0.001,
  examplesPerSec: 100,
  stepsPerSec: 10,
  etaSec: null,
  time: Date.now(),
});

describe('loss curves panel', function () {
  this.timeout(90_000);
  const resumed: Array<[string, string]> = [];
  const stopped: string[] = [];
  const logged: string[] = [];
  let manager: LossCurvesManager;
  let watcher: WorkspaceRuns | undefined;
  let runDir: string;

  before(async () => {
    const extension = vscode.extensions.getExtension(extensionId);
    assert.ok(extension);
    await extension.activate();
    runDir = await makeRun(vscode.workspace.workspaceFolders![0]!.uri.fsPath);
    // A manager (and run store, with its watcher) of our own (same module, real vscode API) so resume/stop are recorded, not run.
    const store = new RunStore({ reader: fileRunReader });
    watcher = new WorkspaceRuns(store);
    manager = new LossCurvesManager({
      extensionUri: extension.extensionUri,
      store,
      reader: fileRunReader,
      actions: {
        onResume: (dir, checkpoint) => void resumed.push([dir, checkpoint]),
        onStop: (dir) => void stopped.push(dir),
        onExport: async () => undefined,
      },
      log: (line) => logged.push(line),
    });
  });

  after(() => {
    manager?.dispose();
    watcher?.dispose();
  });

  it('opens for a run, and its webview says ready and receives the downsampled history', async () => {
    const panel = manager.show([runDir]);
    const init = await nextPost(panel, 'init');
    assert.equal(init.type, 'init');
    if (init.type !== 'init') return;
    const [run] = init.runs;
    assert.ok(run);
    assert.equal(run.runDir, runDir);
    assert.equal(run.state, 'stopped');
    assert.equal(run.totalPoints, STEPS, 'the 500 steps abandoned by the resume are dropped');
    assert.ok(run.series.steps.length > 100 && run.series.steps.length <= STEPS);
    assert.deepEqual(
      run.resumes.map((r) => r.step),
      [2000],
    );
    const byName = new Map(run.checkpoints.map((c) => [c.name, c]));
    assert.equal(byName.get('checkpoint-2000')?.latest, true);
    assert.equal(byName.get('checkpoint-1000')?.valid, true);
    assert.equal(byName.get('checkpoint-2500')?.valid, false);
    // Zoomed in, the webview asks for detail: every point of the range when it fits.
    const range = nextPost(panel, 'range');
    await panel.receive({ type: 'requestRange', requestId: 7, runDir, fromStep: 1500, toStep: 1600, maxPoints: 1000 });
    const detail = await range;
    assert.ok(detail.type === 'range' && detail.requestId === 7);
    if (detail.type === 'range')
      assert.deepEqual(
        detail.series.steps,
        Array.from({ length: 101 }, (_, i) => 1500 + i),
      );
    // Give the webview a moment to draw: it reports any CSP violation back as a log line.
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(
      logged.filter((l) => /CSP|webview \(error\)/.test(l)),
      [],
    );
  });

  it('resumes from a checkpoint through the panel message, and refuses anything not of its runs', async () => {
    const panel = manager.show([runDir]);
    const checkpoint = join(runDir, 'checkpoints', 'checkpoint-1000');
    await panel.receive({ type: 'resume', runDir, checkpoint });
    await panel.receive({ type: 'resume', runDir, checkpoint: 'latest' });
    await panel.receive({ type: 'stop', runDir });
    assert.deepEqual(resumed, [
      [runDir, checkpoint],
      [runDir, 'latest'],
    ]);
    assert.deepEqual(stopped, [runDir]);

    logged.length = 0;
    await panel.receive({ type: 'resume', runDir, checkpoint: join(runDir, '..', 'elsewhere', 'checkpoint-1') });
    await panel.receive({ type: 'resume', runDir, checkpoint: join(runDir, 'checkpoints', 'checkpoint-2500') });
    await panel.receive({ type: 'resume', runDir: '/not/this/panel', checkpoint: 'latest' });
    await panel.receive({ type: 'stop' });
    assert.equal(resumed.length, 2, 'nothing more was resumed');
    assert.equal(logged.length, 4, logged.join('\n'));
    assert.match(logged[0] ?? '', /refused to resume .*not a checkpoint of/);
    assert.match(logged[1] ?? '', /refused to resume .*invalid/);
    assert.match(logged[2] ?? '', /not a run of this panel/);
    assert.match(logged[3] ?? '', /malformed/);
  });

  it('batches live points, holds them while hidden, and catches up in one batch', async () => {
    const panel = manager.show([runDir]);
    const sent: HostToWebview[] = [];
    const sub = panel.onDidPost((m) => sent.push(m));
    manager.postTrainerEvent(runDir, {
      type: 'resumed',
      path: join(runDir, 'checkpoints', 'checkpoint-2000'),
      step: 2000,
      restoredOptimizer: true,
      restoredScheduler: true,
      skipped: [],
    });
    for (let step = 2001; step <= 2050; step++) manager.postTrainerEvent(runDir, stepEvent(step));
    await new Promise((r) => setTimeout(r, 400));
    const points = sent.filter((m) => m.type === 'points');
    assert.ok(points.length >= 1 && points.length <= 2, `${points.length} point messages for 50 steps`);
    assert.equal(
      points.reduce((n, m) => n + (m.type === 'points' ? m.series.steps.length : 0), 0),
      50,
    );

    // Hide the panel behind another editor in the same group.
    await vscode.commands.executeCommand('workbench.action.files.newUntitledFile');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(panel.panel.visible, false);
    sent.length = 0;
    for (let step = 2051; step <= 2080; step++) manager.postTrainerEvent(runDir, stepEvent(step));
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(sent, [], 'nothing is posted while hidden');

    panel.reveal();
    // Either the retained webview gets the buffer as one batch, or a rebuilt one says ready and gets init.
    const caughtUp = await Promise.race([nextPost(panel, 'points'), nextPost(panel, 'init')]);
    if (caughtUp.type === 'points')
      assert.deepEqual(
        caughtUp.series.steps,
        Array.from({ length: 30 }, (_, i) => 2051 + i),
      );
    if (caughtUp.type === 'init') assert.equal(caughtUp.runs[0]?.series.steps.at(-1), 2080);
    sub.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('remembers a panel’s settings when it is closed and opened again', async () => {
    const first = manager.show([runDir]);
    await first.receive({
      type: 'settings',
      settings: { runDirs: [runDir], smoothing: 0.9, logScale: true, selectedRun: runDir, hiddenRuns: [] },
    });
    first.dispose();
    const reopened = manager.show([runDir]);
    assert.notEqual(reopened, first);
    const init = await nextPost(reopened, 'init');
    assert.equal(init.type === 'init' && init.settings?.smoothing, 0.9);
    assert.equal(init.type === 'init' && init.settings?.logScale, true);
  });

  /** Opens a panel on `runDir`, appends steps 3001-3002 to its metrics.jsonl and expects them as points. */
  async function appendedLinesReachPanel(runDir: string, timeoutMs: number): Promise<LossCurvesPanel> {
    const panel = manager.show([runDir]);
    await nextPost(panel, 'init');
    const line = (step: number): string =>
      JSON.stringify({ step, loss: 0.05, lr: 0.001, examples_per_sec: 1, time: Date.now() });
    const got = nextPost(panel, 'points', timeoutMs);
    appendFileSync(join(runDir, 'metrics.jsonl'), `${line(3001)}\n${line(3002)}\n`);
    const points = await got;
    assert.equal(points.type, 'points');
    if (points.type === 'points') assert.deepEqual(points.series.steps, [3001, 3002]);
    return panel;
  }

  it('follows metrics.jsonl of a run the watcher does not see (files.watcherExclude, or a folder made with mkdir -p)', async () => {
    // The watcher misses folders made with their parent only by a race; excluding the folder makes it blind every time.
    const blind = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'blind-curves');
    await blindFolder('**/blind-curves/**', blind);
    try {
      const blindRun = await makeRun(blind);
      (await appendedLinesReachPanel(blindRun, 15_000)).dispose();
    } finally {
      await unblindFolders();
    }
  });

  it('follows metrics.jsonl for a run that sends no events (trained from the command line)', async () => {
    const cliRun = await makeRun(vscode.workspace.workspaceFolders![0]!.uri.fsPath);
    const panel = await appendedLinesReachPanel(cliRun, 10_000);
    // The trainer rewrites run.json when the run ends: the panel's state (and buttons) follow.
    const state = nextPost(panel, 'runState', 10_000);
    writeFileSync(join(cliRun, 'run.json'), JSON.stringify({ status: 'finished' }));
    const changed = await state;
    assert.ok(changed.type === 'runState' && changed.state === 'finished');
    panel.dispose();
  });
});
