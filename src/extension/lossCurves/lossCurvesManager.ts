/**
 * The loss-curves panels' host side (wired up in extension.ts): one panel per set of runs (show()
 * on the same set reveals it), fed by the trainer's live events (postTrainerEvent) and the run store
 * (run states that enable its Resume and Stop, checkpoint markers, watcher events) and a poll of the
 * shown runs' TensorBoard event files (eventFilePoll.ts, which says why); each run's
 * metrics history is read through the store's reader once, shared by the panels showing it, and
 * dropped when the last one closes. deserializeWebviewPanel() restores panels after a reload
 * (activation event onWebviewPanel).
 */
import { basename, dirname, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import { parsePanelState, type PanelState } from '../../core/protocol/webview';
import type { RunStatus } from '../../core/run/status';
import { LOSS_CURVES_VIEW_TYPE, LossCurvesPanel, type PanelActions, type PanelSettingsStore } from './lossCurvesPanel';
import type { RunReader } from '../store/runReader';
import type { RunStore } from '../store/runStore';
import { pollRunFiles } from './runFilePoll';
import { RunCurves, type FeedChange } from './runCurves';

export { LOSS_CURVES_VIEW_TYPE, type PanelActions } from './lossCurvesPanel';

export interface LossCurvesManagerOptions {
  extensionUri: vscode.Uri;
  store: RunStore;
  reader: RunReader;
  actions: PanelActions;
  log?: (message: string) => void;
  /** Keeps each run set's panel settings across close/reopen; in memory for the session without it. */
  memento?: vscode.Memento;
}

const SETTINGS_KEY_PREFIX = 'trainingRuns.lossCurves.settings:';

export class LossCurvesManager implements vscode.Disposable, vscode.WebviewPanelSerializer {
  private readonly panels = new Map<string, LossCurvesPanel>();
  private readonly feeds = new Map<string, RunCurves>();
  /** What the panels were last told of each shown run: a store change is forwarded only when these differ. */
  private readonly shown = new Map<string, { state: RunStatus; checkpoints: string }>();
  private readonly subscriptions: Array<{ dispose(): void }>;
  private readonly sessionSettings = new Map<string, PanelState>();
  private readonly log: (message: string) => void;

  constructor(private readonly options: LossCurvesManagerOptions) {
    this.log = options.log ?? ((m) => console.warn(m));
    this.subscriptions = [
      options.store.onDidChangeRun(({ dir }) => this.runChanged(dir)),
      options.store.onDidChangeFiles(({ dir, kind }) => {
        const feed = this.feeds.get(dir);
        if (feed && kind === 'metrics') void feed.metricsAppended().then((changes) => this.broadcast(feed, changes));
        if (feed && kind === 'tensorboard')
          void feed.tensorBoardChanged().then((changes) => this.broadcast(feed, changes));
      }),
      pollRunFiles({
        feeds: () => this.feeds.values(),
        changed: (feed, changes) => this.broadcast(feed, changes),
      }),
    ];
  }

  /** Opens (or reveals) the panel for these runs. */
  show(runDirs: string[]): LossCurvesPanel {
    const dirs = normalise(runDirs);
    if (dirs.length === 0) throw new Error('Loss curves: no run folder given.');
    const existing = this.panels.get(key(dirs));
    if (existing) {
      existing.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(LOSS_CURVES_VIEW_TYPE, title(dirs), vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.options.extensionUri, 'dist', 'webview')],
    });
    return this.adopt(panel, dirs);
  }

  /** Forwards a validated trainer event of `runDir` to the panels showing that run. */
  postTrainerEvent(runDir: string, event: TrainerEvent): void {
    const dir = resolve(runDir);
    const feed = this.feeds.get(dir);
    if (feed) this.broadcast(feed, feed.apply(event));
  }

  /**
   * The run's folder was emptied for a fresh start (Train → Replace): panels showing it re-read it
   * and drop the old curve and checkpoint markers.
   */
  resetRun(runDir: string): void {
    const dir = resolve(runDir);
    const feed = this.feeds.get(dir);
    if (!feed) return;
    void feed.reload().then(() => this.broadcast(feed, [{ kind: 'reloaded' }]));
  }

  /** Restores panels after a window reload; keep the Disposable in context.subscriptions. */
  /** Restores a panel after a reload (extension.ts registers this serializer at activation). */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const parsed = parsePanelState(state);
    if (!parsed.ok || parsed.value.runDirs.length === 0) {
      this.log(`loss curves: could not restore a panel (${parsed.ok ? 'no runs' : parsed.error}); closing it`);
      panel.dispose();
      return;
    }
    this.adopt(panel, normalise(parsed.value.runDirs));
  }

  get openPanels(): LossCurvesPanel[] {
    return [...this.panels.values()];
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    this.feeds.clear();
    for (const s of this.subscriptions) s.dispose();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, dirs: string[]): LossCurvesPanel {
    const feeds = dirs.map((d) => this.feedFor(d, dirs));
    const k = key(dirs);
    const panel = new LossCurvesPanel(
      webviewPanel,
      feeds,
      this.options.extensionUri,
      this.options.actions,
      this.log,
      this.settingsStore(k),
    );
    this.panels.set(k, panel);
    panel.onDidDispose(() => {
      this.panels.delete(k);
      this.dropUnusedFeeds();
    });
    return panel;
  }

  private settingsStore(k: string): PanelSettingsStore {
    const memento = this.options.memento;
    return {
      get: () => {
        const saved = memento ? parsePanelState(memento.get(SETTINGS_KEY_PREFIX + k)) : undefined;
        return saved?.ok ? saved.value : this.sessionSettings.get(k);
      },
      set: (settings) => {
        this.sessionSettings.set(k, settings);
        void memento?.update(SETTINGS_KEY_PREFIX + k, settings);
      },
    };
  }

  private feedFor(dir: string, all: string[]): RunCurves {
    let feed = this.feeds.get(dir);
    if (!feed) {
      feed = new RunCurves(dir, label(dir, all), this.options.store, this.options.reader, this.log);
      this.feeds.set(dir, feed);
      this.shown.set(dir, this.shownOf(feed));
      void feed.load();
    }
    return feed;
  }

  /** The store replaced a run's view: the panels showing it get its new state and markers, when they changed. */
  private runChanged(dir: string): void {
    const feed = this.feeds.get(dir);
    if (!feed) return;
    const before = this.shown.get(dir);
    const now = this.shownOf(feed);
    this.shown.set(dir, now);
    const changes: FeedChange[] = [];
    if (before?.state !== now.state) changes.push({ kind: 'state', state: now.state });
    if (before?.checkpoints !== now.checkpoints) changes.push({ kind: 'checkpointsChanged' });
    this.broadcast(feed, changes);
  }

  private shownOf(feed: RunCurves): { state: RunStatus; checkpoints: string } {
    return { state: feed.state, checkpoints: JSON.stringify(feed.checkpoints) };
  }

  private broadcast(feed: RunCurves, changes: FeedChange[]): void {
    if (changes.length === 0) return;
    const panels = [...this.panels.values()].filter((p) => p.feeds.includes(feed));
    for (const change of changes) panels.forEach((p) => p.feedChanged(feed, change));
  }

  private dropUnusedFeeds(): void {
    const used = new Set([...this.panels.values()].flatMap((p) => p.runDirs));
    for (const dir of [...this.feeds.keys()]) {
      if (used.has(dir)) continue;
      this.feeds.delete(dir);
      this.shown.delete(dir);
    }
  }
}

const normalise = (runDirs: string[]): string[] => [...new Set(runDirs.map((d) => resolve(d)))].sort();
const key = (dirs: string[]): string => dirs.join('\n');

/** The folder name, or parent/name when two runs of the panel share a name. */
function label(dir: string, all: string[]): string {
  const name = basename(dir);
  return all.filter((d) => basename(d) === name).length > 1 ? `${basename(dirname(dir))}/${name}` : name;
}

function title(dirs: string[]): string {
  return dirs.length === 1 ? `Loss: ${basename(dirs[0] as string)}` : `Loss: ${dirs.length} runs`;
}
