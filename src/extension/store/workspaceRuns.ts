/**
 * Finds the workspace's run folders (the `trainingRuns.runsGlobs` patterns) and runs the store's one
 * file watcher: each event is mapped to the run folder it belongs to and handed to the store, which
 * re-reads that run only. The whole workspace is searched again when the patterns or the workspace
 * folders change and on the Refresh command; a lighter look now and then finds the runs the watcher
 * missed (missedRunsPoll.ts).
 */
import * as vscode from 'vscode';
import { EVENT_FILE_PREFIX } from '../../core/tensorboard/layout';
import { setContextKey } from '../contextKeys';
import { runDirsFromMarkers, runFileOf, WORKSPACE_EXCLUDE } from '../model/discovery';
import { readSettings } from '../settings';
import { MissedRunsPoll } from './missedRunsPoll';
import type { ListRequest } from './runReader';
import type { RunStore } from './runStore';

/** What the watcher needs to see beyond the marker patterns: checkpoint folders coming and going (native and Hugging Face), saves in progress, the metrics log, TensorBoard event files. */
const LIVE_FILE_GLOBS = [
  '**/checkpoints/*',
  '**/checkpoint-*',
  '**/tmp-checkpoint-*',
  '**/metrics.jsonl',
  `**/${EVENT_FILE_PREFIX}*`,
];

export class WorkspaceRuns implements vscode.Disposable {
  private watcher: vscode.FileSystemWatcher | undefined;
  private scanning: Promise<void> | undefined;
  private nextScan: Promise<void> | undefined;
  private exactQueued = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: RunStore) {
    this.watch();
    const missed = new MissedRunsPoll(store, {
      find: () => this.findRunDirs(),
      mayLook: () => vscode.window.state.focused && !this.scanning,
    });
    this.disposables.push(
      missed,
      vscode.window.onDidChangeWindowState((state) => state.focused && missed.focused()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('trainingRuns.runsGlobs')) {
          this.watch();
          void this.scan();
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.scan()),
    );
  }

  /**
   * Search the workspace now. A call during a search waits for one more search after it (shared by
   * every such call), so what it asked for is seen. `exact` (the Refresh command) re-reads every run
   * and validates every checkpoint's files instead of trusting the runs' listing indexes.
   */
  scan(request: ListRequest = {}): Promise<void> {
    if (request.exact) this.exactQueued = true;
    if (!this.scanning) return this.startScan();
    this.nextScan ??= this.scanning
      .catch(() => undefined)
      .then(() => {
        this.nextScan = undefined;
        return this.startScan();
      });
    return this.nextScan;
  }

  dispose(): void {
    this.watcher?.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private startScan(): Promise<void> {
    const exact = this.exactQueued;
    this.exactQueued = false;
    this.scanning = this.doScan({ exact }).finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async doScan(request: ListRequest): Promise<void> {
    await this.store.setRunDirs(await this.findRunDirs(), request);
    await setContextKey('trainingRuns.hasRuns', this.store.runs().length > 0);
    await setContextKey('trainingRuns.loaded', true);
  }

  /** The workspace's run folders: those holding a file the `trainingRuns.runsGlobs` patterns match. */
  private async findRunDirs(): Promise<string[]> {
    const globs = readSettings().runsGlobs;
    const found = await Promise.all(globs.map((g) => vscode.workspace.findFiles(g, WORKSPACE_EXCLUDE)));
    return runDirsFromMarkers(found.flat().map((u) => u.fsPath));
  }

  /** One watcher for every pattern (a brace group). */
  private watch(): void {
    this.watcher?.dispose();
    const patterns = [...new Set([...readSettings().runsGlobs, ...LIVE_FILE_GLOBS])];
    const watcher = vscode.workspace.createFileSystemWatcher(`{${patterns.join(',')}}`);
    const seen = (uri: vscode.Uri): void => {
      const file = runFileOf(uri.fsPath);
      if (file) this.store.touch(file.runDir, file.kind);
    };
    watcher.onDidCreate(seen);
    watcher.onDidChange(seen);
    watcher.onDidDelete(seen);
    this.watcher = watcher;
  }
}
