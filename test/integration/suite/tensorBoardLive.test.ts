/**
 * A Hugging Face run that logs to TensorBoard, followed live in the real extension host: the run
 * (trainer_state.json checkpoints and runs/<session>/events.out.tfevents.*) is listed, its
 * loss-curves panel offers eval/loss from the event file, and scalars appended to that file, or
 * written to a new session's file (a resumed Trainer), reach the panel with no refresh or scan.
 * The session folders are made as the Trainer makes them (parent and child at once), which VS Code's
 * recursive watcher on Linux does not always watch (a race): the panel must see the appends anyway.
 * The test keeps those folders from the watcher (files.watcherExclude), so that the panel's own check
 * is the only way in and the test fails without it every time, not only when the race is lost.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HostToWebview } from '../../../src/core/protocol/webview';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { LossCurvesPanel } from '../../../src/extension/lossCurves/lossCurvesPanel';
import { writeHfCheckpoint } from '../../unit/extension/external/hfHelpers';
import { tensorboardWriter, type TensorBoardWriter } from '../../support/tensorboard/eventWriter';
import { blindFolder, unblindFolders } from './blindFolder';
import { until } from './until';

const extensionId = 'training-runs.training-runs';
/** Bounded wait for a live change: the panel's check interval plus a loaded machine's slack. */
const LIVE_WITHIN_MS = 20_000;
/** The session folders, kept from VS Code's watcher (as large workspaces keep folders): only the panel's own check sees them. */
const WATCHER_BLIND = '**/hf-live/*/runs/**';

/** Every eval/loss step the panel posted as live points, collected from the moment it is called. */
function collectEvalSteps(panel: LossCurvesPanel): { steps: number[]; dispose(): void } {
  const steps: number[] = [];
  const sub = panel.onDidPost((m: HostToWebview) => {
    if (m.type === 'points') steps.push(...(m.scalars?.['eval/loss']?.steps ?? []));
  });
  return { steps, dispose: () => sub.dispose() };
}

describe('TensorBoard event files followed live', function () {
  this.timeout(120_000);
  let api: TrainingRunsApi;
  let writer: TensorBoardWriter;
  let root: string;
  let runDir: string;
  let panel: LossCurvesPanel;

  before(async function () {
    const made = tensorboardWriter();
    if (typeof made === 'string') return this.skip();
    writer = made;
    api = (await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate())!;
    root = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'hf-live');
    runDir = path.join(root, 'bert-finetune');
    // The watcher misses such folders only by a race; excluding them makes it blind every time.
    await blindFolder(WATCHER_BLIND, path.join(runDir, 'runs'));
  });

  after(async () => {
    await unblindFolders();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** An event file in a new `runs/<session>/` folder, its folders made in one go. */
  function sessionFile(session: string): string {
    const folder = path.join(runDir, 'runs', session);
    mkdirSync(folder, { recursive: true });
    return path.join(folder, `events.out.tfevents.1700000000.host.${session.length}.0`);
  }

  it('lists the Hugging Face run and offers eval/loss from its event file in the panel', async () => {
    writeHfCheckpoint(runDir, 20, { log: [10, 20].map((step) => ({ step, loss: 2 / step, epoch: step / 20 })) });
    writer.write(sessionFile('Dec07_10-00-00_host'), [
      { step: 10, wall_time: 1700000010, simple: { 'eval/loss': 0.9 } },
      { step: 20, wall_time: 1700000020, simple: { 'eval/loss': 0.7 } },
    ]);
    await api.workspaceRuns.scan();
    const run = await until('the Hugging Face run in the store', () => api.runs.get(runDir));
    assert.deepEqual(
      run.checkpoints.map((c) => c.name),
      ['checkpoint-20'],
    );
    panel = api.lossCurves.show([runDir]);
    // First paint carries the loss and names the other metrics; their points follow in `metrics`.
    const posted = new Promise<HostToWebview[]>((resolve) => {
      const seen: HostToWebview[] = [];
      const sub = panel.onDidPost((m) => {
        if (m.type === 'init' || m.type === 'metrics') seen.push(m);
        if (m.type !== 'metrics') return;
        sub.dispose();
        resolve(seen);
      });
    });
    const [init, rest] = await posted;
    assert.ok(init?.type === 'init' && rest?.type === 'metrics', JSON.stringify([init?.type, rest?.type]));
    assert.ok(init.runs[0]?.metricNames?.includes('eval/loss'), `metric names: ${init.runs[0]?.metricNames}`);
    assert.deepEqual(rest.scalars['eval/loss']?.steps, [10, 20]);
    assert.deepEqual(init.runs[0]?.series.steps, [10, 20], 'the loss from log_history');
  });

  it('charts scalars appended to the event file, and a new session’s file, with no refresh', async () => {
    assert.ok(panel, 'the panel of the first test');
    const live = collectEvalSteps(panel);
    /** Writes one eval/loss point into the session's file and waits for the panel to chart it. */
    const writeAndSee = async (session: string, step: number, loss: number, append: boolean): Promise<void> => {
      const events = [{ step, wall_time: 1700000000 + step, simple: { 'eval/loss': loss } }];
      writer.write(sessionFile(session), events, { append });
      await until(
        `eval/loss at step ${step} in the panel`,
        () => (live.steps.includes(step) ? true : undefined),
        LIVE_WITHIN_MS,
      );
    };
    try {
      await writeAndSee('Dec07_10-00-00_host', 30, 0.6, true);
      await writeAndSee('Dec07_10-00-00_host', 40, 0.5, true);
      // A resumed Trainer writes a new session folder (parent `runs` exists; the session is new).
      await writeAndSee('Dec07_11-00-00_host_resumed', 50, 0.45, false);
      assert.deepEqual(live.steps, [30, 40, 50], 'each appended point once, in order');
    } finally {
      live.dispose();
    }
  });
});
