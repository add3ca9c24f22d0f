/**
 * The loss-curves panels' host side (wired up in extension.ts): one panel per set of runs (show()
 * on the same set reveals it), fed by the trainer's live events (postTrainerEvent) and each run's
 * files (RunFeed), with the run states that enable its Resume and Stop (setRunState). A run's
 * history is read once, shared by the panels showing it, and dropped when the last one closes.
 * registerSerializer() restores panels after a reload (activation event onWebviewPanel).
 */
import { basename, dirname, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import { parsePanelState, type PanelState, type RunState } from '../../core/protocol/webview';
import { LOSS_CURVES_VIEW_TYPE, LossCurvesPanel, type PanelActions, type PanelSettingsStore } from './lossCurvesPanel';
import { RunFeed, type FeedChange, type ListCheckpoints } from './runFeed';

export { LOSS_CURVES_VIEW_TYPE, type PanelActions } from './lossCurvesPanel';

export interface LossCurvesManagerOptions {
  extensionUri: vscode.Uri;
  listCheckpoints: ListCheckpoints;
  actions: PanelActions;
  log?: (message: string) => void;
  /** Keeps each run set's panel settings across close/reopen; in memory for the session without it. */
  memento?: vscode.Memento;
}

const SETTINGS_KEY_PREFIX = 'trainingRuns.lossCurves.settings:';

export class LossCurvesManager implements vscode.Disposable {
  private readonly panels = new Map<string, LossCurvesPanel>();
  private readonly feeds = new Map<string, RunFeed>();
  private readonly states = new Map<string, RunState>();
  private readonly sessionSettings = new Map<string, PanelState>();
  private readonly log: (message: string) => void;

  constructor(private readonly options: LossCurvesManagerOptions) {
    this.log = options.log ?? ((m) => console.warn(m));
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
    if (!feed) {
      if (event.type === 'started' || event.type === 'resumed') this.states.set(dir, 'training');
      if (event.type === 'finished') this.states.set(dir, event.status);
      if (event.type === 'failed') this.states.set(dir, 'failed');
      return;
    }
    this.broadcast(feed, feed.apply(event));
    this.states.set(dir, feed.state);
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

  /** Tells the panels the run's state (enables Resume/Stop). */
  setRunState(runDir: string, state: RunState): void {
    const dir = resolve(runDir);
    this.states.set(dir, state);
    const feed = this.feeds.get(dir);
    if (feed) this.broadcast(feed, feed.setState(state));
  }

  /** Restores panels after a window reload; keep the Disposable in context.subscriptions. */
  registerSerializer(): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(LOSS_CURVES_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state) => {
        const parsed = parsePanelState(state);
        if (!parsed.ok || parsed.value.runDirs.length === 0) {
          this.log(`loss curves: could not restore a panel (${parsed.ok ? 'no runs' : parsed.error}); closing it`);
          panel.dispose();
          return;
        }
        this.adopt(panel, normalise(parsed.value.runDirs));
      },
    });
  }

  get openPanels(): LossCurvesPanel[] {
    return [...this.panels.values()];
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
    for (const feed of this.feeds.values()) feed.dispose();
    this.feeds.clear();
  }

  private adopt(webviewPanel: vscode.WebviewPanel, dirs: string[]): LossCurvesPanel {
    const feeds = dirs.map((d) => this.feedFor(d, dirs));
    const k = key(dirs);
    const panel = new LossCurvesPanel(webviewPanel, feeds, this.options.extensionUri, this.options.actions, this.log, this.settingsStore(k));
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

  private feedFor(dir: string, all: string[]): RunFeed {
    let feed = this.feeds.get(dir);
    if (!feed) {
      feed = new RunFeed(dir, label(dir, all), this.options.listCheckpoints, this.log);
      const known = this.states.get(dir);
      if (known) feed.setState(known);
      this.feeds.set(dir, feed);
      const followed = feed;
      void feed.load().then(() => followed.follow((changes) => this.broadcast(followed, changes)));
    }
    return feed;
  }

  private broadcast(feed: RunFeed, changes: FeedChange[]): void {
    if (changes.length === 0) return;
    const panels = [...this.panels.values()].filter((p) => p.feeds.includes(feed));
    for (const change of changes) {
      if (change.kind === 'checkpointsChanged') {
        // Re-list first, so the panels get the new list, not the old one.
        void feed.refreshCheckpoints().then(() => panels.forEach((p) => p.feedChanged(feed, change)));
      } else {
        panels.forEach((p) => p.feedChanged(feed, change));
      }
    }
  }

  private dropUnusedFeeds(): void {
    const used = new Set([...this.panels.values()].flatMap((p) => p.runDirs));
    for (const [dir, feed] of [...this.feeds]) {
      if (used.has(dir)) continue;
      feed.dispose();
      this.feeds.delete(dir);
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
