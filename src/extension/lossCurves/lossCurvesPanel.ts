/**
 * One loss-curves webview panel: the ready handshake, validated messages both ways, live points
 * batched to at most 10 posts a second, and held back while the panel is hidden (then sent as one
 * batch, or as a fresh `init` when the webview was rebuilt and says `ready` again).
 */
import * as vscode from 'vscode';
import {
  parseWebviewToHost,
  type HostToWebview,
  type PanelState,
  type Scalars,
  type Series,
  type WebviewToHost,
} from '../../core/protocol/webview';
import { initMessages, type InitMessages } from './initMessages';
import { makeNonce, renderPanelHtml } from './panelHtml';
import type { FeedChange, RunCurves, ScalarChange } from './runCurves';

export { LOSS_CURVES_VIEW_TYPE } from '../contributionIds';

export interface PanelActions {
  onResume(runDir: string, checkpoint: string | 'latest'): void | Promise<void>;
  onStop(runDir: string): void | Promise<void>;
  /** Asks where to save an exported chart or its data and writes it; returns the path, or undefined when cancelled. */
  onExport(suggestedName: string, format: 'png' | 'csv', data: Uint8Array): Promise<string | undefined>;
}

const BATCH_MS = 100;
/** The whole histories are read this long after `init` at the latest, painted or not. */
const PAINT_WAIT_MS = 2000;

/** Where a panel's settings outlive it (closing a panel drops its webview state). */
export interface PanelSettingsStore {
  get(): PanelState | undefined;
  set(settings: PanelState): void;
}

export class LossCurvesPanel implements vscode.Disposable {
  private ready = false;
  private plotWidth = 800;
  /** The metric the webview shows (said with `ready` and each settings change): the one `init` carries. */
  private shownMetric: string | undefined;
  private queue: HostToWebview[] = [];
  /** sendInit calls waiting for the webview's `painted`. */
  private readonly paintWaiters = new Set<() => void>();
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly posted = new vscode.EventEmitter<HostToWebview>();
  private readonly disposed = new vscode.EventEmitter<void>();
  /** Every message this panel posted to its webview (for tests and diagnostics). */
  readonly onDidPost = this.posted.event;
  readonly onDidDispose = this.disposed.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly feeds: readonly RunCurves[],
    extensionUri: vscode.Uri,
    private readonly actions: PanelActions,
    private readonly log: (message: string) => void,
    private readonly settings: PanelSettingsStore,
  ) {
    const assets = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [assets] };
    panel.webview.html = renderPanelHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(assets, 'loss-curves.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(assets, 'loss-curves.css')).toString(),
      title: panel.title,
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      panel.onDidChangeViewState(() => {
        if (panel.visible) this.flush();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  get runDirs(): string[] {
    return this.feeds.map((f) => f.runDir);
  }

  /** Handles one message from the webview; public so tests can drive the same path. */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewToHost(raw);
    if (!parsed.ok) {
      this.log(`loss curves: ignored a malformed message from the webview: ${parsed.error}`);
      return;
    }
    await this.handle(parsed.value);
  }

  /** Forwards a feed's change to the webview (queued, batched). */
  feedChanged(feed: RunCurves, change: FeedChange): void {
    switch (change.kind) {
      case 'point':
        this.queuePoint(feed.runDir, change.step, change.loss, change.lr, change.time);
        break;
      case 'scalars':
        this.queueScalars(feed.runDir, change.points);
        break;
      case 'resumed':
        this.enqueue({ type: 'resumed', runDir: feed.runDir, marker: change.marker });
        break;
      case 'state':
        this.enqueue({ type: 'runState', runDir: feed.runDir, state: change.state });
        break;
      case 'checkpointsChanged':
        this.enqueue({ type: 'checkpoints', runDir: feed.runDir, checkpoints: feed.checkpoints });
        break;
      case 'reloaded':
        if (this.ready) void this.sendInit();
        break;
    }
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Asks the webview to export what it shows, as its Export PNG / Export CSV buttons do (after the live points queued). */
  requestExport(format: 'png' | 'csv'): void {
    this.enqueue({ type: 'export', format });
  }

  dispose(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    for (const done of [...this.paintWaiters]) done();
    this.disposed.fire();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.posted.dispose();
    this.disposed.dispose();
    this.panel.dispose();
  }

  private async handle(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.plotWidth = message.plotWidth;
        this.shownMetric = message.metric;
        await this.sendInit();
        return;
      case 'painted':
        for (const done of [...this.paintWaiters]) done();
        return;
      case 'requestRange': {
        const feed = this.feedOf(message.runDir, 'requestRange');
        if (!feed) return;
        await feed.loadFull();
        const series = feed.range(message.fromStep, message.toStep, message.maxPoints);
        this.post({
          type: 'range',
          requestId: message.requestId,
          runDir: message.runDir,
          fromStep: message.fromStep,
          toStep: message.toStep,
          series,
        });
        return;
      }
      case 'resume': {
        const feed = this.feedOf(message.runDir, 'resume');
        if (!feed) return;
        if (message.checkpoint !== 'latest') {
          const checkpoint = feed.ownsCheckpoint(message.checkpoint);
          if (!checkpoint) {
            this.log(
              `loss curves: refused to resume from ${message.checkpoint}: not a checkpoint of ${message.runDir}`,
            );
            return;
          }
          if (!checkpoint.valid) {
            this.log(
              `loss curves: refused to resume from ${checkpoint.path}: invalid (${checkpoint.problems.join('; ')})`,
            );
            return;
          }
        }
        await this.actions.onResume(feed.runDir, message.checkpoint);
        return;
      }
      case 'stop': {
        const feed = this.feedOf(message.runDir, 'stop');
        if (feed) await this.actions.onStop(feed.runDir);
        return;
      }
      case 'settings': {
        const runs = new Set(this.runDirs);
        if (message.settings.runDirs.length !== runs.size || !message.settings.runDirs.every((d) => runs.has(d))) {
          this.log('loss curves: ignored settings naming other runs than the panel’s');
          return;
        }
        this.settings.set(message.settings);
        this.shownMetric = message.settings.metric;
        return;
      }
      case 'export': {
        const data = message.format === 'png' ? Buffer.from(message.data, 'base64') : Buffer.from(message.data, 'utf8');
        try {
          const path = await this.actions.onExport(message.suggestedName, message.format, data);
          if (path) this.log(`loss curves: exported ${message.format.toUpperCase()} to ${path}`);
        } catch (error) {
          this.log(`loss curves: could not export ${message.suggestedName}: ${(error as Error).message}`);
        }
        return;
      }
      case 'log':
        this.log(`loss curves webview (${message.level}): ${message.message}`);
        return;
    }
  }

  /** The panel's feed for runDir; anything naming another run is refused. */
  private feedOf(runDir: string, what: string): RunCurves | undefined {
    const feed = this.feeds.find((f) => f.runDir === runDir);
    if (!feed) this.log(`loss curves: refused ${what} for ${runDir}: not a run of this panel`);
    return feed;
  }

  /**
   * `init` as soon as every run's first paint is read (a long run's overview), then, once the webview
   * painted it (or PAINT_WAIT_MS later) and the whole histories are read, the other metrics; and
   * `init` again for a run whose file grew meanwhile.
   */
  private async sendInit(): Promise<void> {
    await Promise.all(this.feeds.map((f) => f.load()));
    const partial = this.feeds.filter((f) => f.partial);
    let messages = this.postInit();
    // The webview's `painted` comes in a later task, so waiting from here misses none.
    if (partial.length > 0) await this.nextPaint();
    await Promise.all(this.feeds.map((f) => f.loadFull()));
    if (partial.some((f) => f.grewSinceOverview)) messages = this.postInit();
    for (const m of messages.rest()) this.post(m);
  }

  /** Resolves when the webview says it painted, or PAINT_WAIT_MS from now (a hidden panel paints later). */
  private nextPaint(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.paintWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, PAINT_WAIT_MS);
      this.paintWaiters.add(done);
    });
  }

  private postInit(): InitMessages {
    this.queue = []; // the snapshot already holds everything queued
    this.ready = true;
    const settings = this.settings.get();
    const metric = this.shownMetric ?? settings?.metric ?? 'loss';
    const messages = initMessages(this.feeds, this.plotWidth * 2, metric, settings);
    this.post(messages.init);
    return messages;
  }

  /** The queued `points` message of this run to add to, or a new one. */
  private pointsMessage(runDir: string): Extract<HostToWebview, { type: 'points' }> {
    const last = this.queue[this.queue.length - 1];
    if (last && last.type === 'points' && last.runDir === runDir) return last;
    const message = { type: 'points' as const, runDir, series: { steps: [], loss: [], lr: [], time: [] } as Series };
    this.queue.push(message);
    return message;
  }

  private queuePoint(runDir: string, step: number, loss: number | null, lr: number | null, time: number | null): void {
    const { series } = this.pointsMessage(runDir);
    series.steps.push(step);
    series.loss.push(loss);
    series.lr.push(lr);
    series.time?.push(time);
    this.scheduleFlush();
  }

  private queueScalars(runDir: string, points: ScalarChange[]): void {
    const message = this.pointsMessage(runDir);
    const scalars: Scalars = (message.scalars ??= {});
    for (const p of points) {
      const s = (scalars[p.name] ??= { steps: [], values: [], time: [] });
      s.steps.push(p.step);
      s.values.push(p.value);
      s.time.push(p.time);
    }
    this.scheduleFlush();
  }

  private enqueue(message: HostToWebview): void {
    this.queue.push(message);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, BATCH_MS);
  }

  /** Sends the queue now if the webview is ready and visible; otherwise it waits. */
  private flush(): void {
    if (!this.ready || !this.panel.visible) return;
    for (const message of this.queue.splice(0)) this.post(message);
  }

  private post(message: HostToWebview): void {
    void this.panel.webview.postMessage(message);
    this.posted.fire(message);
  }
}
