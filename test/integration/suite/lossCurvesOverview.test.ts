/**
 * A long run in the real extension host: the panel's first `init` comes from the run's overview
 * (.metrics.overview) before the whole history is read, and the whole history follows: the other
 * metrics, zoom detail, and `init` again when metrics.jsonl grew while it was read. The reader's
 * whole-history read is held back by a gate, so the order is the test's, not the machine's. A run
 * that ends is read once in the background, so that its first chart paints from its overview too.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { metricsOverviewPath } from '../../../src/core/metrics/metricsOverview';
import { readRunMetrics, readRunOverview } from '../../../src/core/metrics/runHistory';
import type { HostToWebview } from '../../../src/core/protocol/webview';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import { LossCurvesManager } from '../../../src/extension/lossCurves/lossCurvesManager';
import type { LossCurvesPanel } from '../../../src/extension/lossCurves/lossCurvesPanel';
import { fileRunReader, type RunReader } from '../../../src/extension/store/runReader';
import { RunStore } from '../../../src/extension/store/runStore';
import { COMMANDS } from '../../../src/extension/commands/ids';

const STEPS = 40_000;
const row = (step: number): string =>
  JSON.stringify({ step, loss: 1 + 1 / step, lr: 1e-3, examples_per_sec: 900 + (step % 13), time: Date.now() });
const rows = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => row(from + i)).join('\n') + '\n';

/** Every message the panel posts from now on, in order. */
function recordPosts(panel: LossCurvesPanel): HostToWebview[] {
  const posted: HostToWebview[] = [];
  panel.onDidPost((m) => posted.push(m));
  return posted;
}

async function until(what: string, done: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('loss curves panel: a long run paints from its overview first', function () {
  this.timeout(90_000);
  let manager: LossCurvesManager;
  let runDir: string;
  let openGate: () => void = () => undefined;
  let fullReads = 0;

  before(async () => {
    const extension = vscode.extensions.getExtension('training-runs.training-runs');
    assert.ok(extension);
    await extension.activate();
    runDir = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'overview-suite', 'long-run');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'metrics.jsonl'), rows(1, STEPS));
    writeFileSync(join(runDir, 'run.json'), JSON.stringify({ status: 'finished' }));
    await readRunMetrics(runDir); // an earlier open: it wrote the cache and the overview
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const reader: RunReader = {
      ...fileRunReader,
      readRunMetrics: async (dir) => {
        fullReads++;
        await gate;
        return fileRunReader.readRunMetrics(dir);
      },
    };
    manager = new LossCurvesManager({
      extensionUri: extension.extensionUri,
      store: new RunStore({ reader }),
      reader,
      actions: { onResume: () => undefined, onStop: () => undefined, onExport: async () => undefined },
      log: () => undefined,
    });
  });

  after(() => {
    openGate();
    manager?.dispose();
  });

  it('posts init from the overview while the whole history is still read, then the rest, and init again when the file grew', async () => {
    const panel = manager.show([runDir]);
    const posted = recordPosts(panel);
    const fromWebview: string[] = [];
    panel.panel.webview.onDidReceiveMessage((m: { type?: unknown }) => fromWebview.push(String(m?.type)));
    await until('the first init', () => posted.some((m) => m.type === 'init'));
    const first = posted.find((m) => m.type === 'init');
    assert.ok(first?.type === 'init');
    const [run] = first.runs;
    assert.equal(run?.totalPoints, STEPS, 'the overview says how many points the run has');
    assert.equal(run?.series.steps[0], 1);
    assert.equal(run?.series.steps.at(-1), STEPS);
    assert.deepEqual(run?.metricNames, ['examples_per_sec']);
    // The whole history is read once the real webview says it painted init (held at the gate here).
    await until('the whole history read', () => fullReads === 1);
    await until('the webview saying it painted', () => fromWebview.includes('painted'));
    assert.deepEqual(
      posted.filter((m) => m.type === 'metrics'),
      [],
      'the other metrics wait for the whole history',
    );

    // Zooming in before the whole history is read: answered once it is, with every point.
    const zoom = panel.receive({
      type: 'requestRange',
      requestId: 3,
      runDir,
      fromStep: 100,
      toStep: 199,
      maxPoints: 1000,
    });
    appendFileSync(join(runDir, 'metrics.jsonl'), rows(STEPS + 1, STEPS + 10));
    openGate();
    await zoom;
    await until('the rest', () => posted.some((m) => m.type === 'metrics'));
    const inits = posted.filter((m) => m.type === 'init');
    assert.equal(inits.length, 2, 'init again: the file grew while it was read');
    assert.ok(inits[1]?.type === 'init');
    assert.equal(inits[1].runs[0]?.totalPoints, STEPS + 10);
    const order = posted.map((m) => m.type).filter((t) => t === 'init' || t === 'metrics');
    assert.deepEqual(order, ['init', 'init', 'metrics']);
    const range = posted.find((m) => m.type === 'range');
    assert.ok(range?.type === 'range');
    assert.equal(range.series.steps.length, 100, 'every point of the zoomed range');
  });
});

describe('loss curves: a long run that ends is prepared for its first chart', function () {
  this.timeout(90_000);
  let trainer: ChildProcess | undefined;
  after(() => trainer?.kill());

  /** The extension's API and a run folder of the workspace holding a long metrics.jsonl (no run.json yet). */
  async function longRun(name: string): Promise<{ api: TrainingRunsApi; runDir: string; metricsFile: string }> {
    const extension = vscode.extensions.getExtension<TrainingRunsApi>('training-runs.training-runs');
    assert.ok(extension);
    const api = await extension.activate();
    const runDir = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'overview-suite', name);
    mkdirSync(runDir, { recursive: true });
    const metricsFile = join(runDir, 'metrics.jsonl');
    writeFileSync(metricsFile, rows(1, STEPS));
    return { api, runDir, metricsFile };
  }

  it('writes the overview of a run trained outside this window once its run.json says it ended, before any panel opens it', async () => {
    const { api, runDir, metricsFile } = await longRun('cli-run');
    // A trainer started from the command line: alive while run.json says training.
    trainer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    const record = { name: 'cli-run', config_path: 'configs/long.yaml', error: null, resumed_from: null };
    writeFileSync(join(runDir, 'run.json'), JSON.stringify({ ...record, status: 'training', pid: trainer.pid }));
    await until('the store to see the run training', () => api.runs.get(runDir)?.status === 'training');
    assert.ok(!existsSync(metricsOverviewPath(metricsFile)), 'nothing is read while it trains');

    writeFileSync(join(runDir, 'run.json'), JSON.stringify({ ...record, status: 'finished', pid: trainer.pid }));
    trainer.kill();
    await until('the store to see the run finished', () => api.runs.get(runDir)?.status === 'finished');
    await until('the overview beside metrics.jsonl', () => existsSync(metricsOverviewPath(metricsFile)));
    assert.equal((await readRunOverview(runDir))?.totalPoints, STEPS);
  });

  it('writes the overview of a run that ended while no window saw it, once discovery has been quiet (15 s)', async function () {
    this.timeout(120_000);
    const { api, runDir, metricsFile } = await longRun('ended-offline');
    const endedAt = new Date().toISOString();
    writeFileSync(join(runDir, 'run.json'), JSON.stringify({ status: 'finished', pid: null, ended_at: endedAt }));
    await vscode.commands.executeCommand(COMMANDS.refresh);
    await until('the store to find the run finished', () => api.runs.get(runDir)?.status === 'finished');
    assert.ok(!existsSync(metricsOverviewPath(metricsFile)), 'nothing is read while discovery goes on');
    await until('the overview beside metrics.jsonl', () => existsSync(metricsOverviewPath(metricsFile)), 60_000);
    assert.equal((await readRunOverview(runDir))?.totalPoints, STEPS);
  });
});
