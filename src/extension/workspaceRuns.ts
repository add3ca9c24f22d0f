/**
 * Finds run folders in the workspace with the `trainingRuns.runsGlobs` patterns and keeps the run
 * model current: a debounced file watcher picks up checkpoints written by the command line or by
 * another window.
 */
import * as vscode from 'vscode';
import { setContextKey } from './contextKeys';
import { runDirsFromMarkers, WORKSPACE_EXCLUDE } from './model/discovery';
import type { ListRequest, RunModel } from './model/runModel';
import { readSettings } from './settings';

const DEBOUNCE_MS = 300;

export class WorkspaceRuns implements vscode.Disposable {
  private watchers: vscode.FileSystemWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private nextScan: Promise<void> | undefined;
  private exactQueued = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly model: RunModel) {
    this.watch();
    this.disposables.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('trainingRuns.runsGlobs')) {
          this.watch();
          this.schedule();
        }
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule()),
    );
  }

  /**
   * Discover now. A call during a scan waits for one more scan after it (shared by every such call),
   * so what it asked for is seen. `exact` (the Refresh command) validates every checkpoint's files
   * instead of trusting the runs' listing indexes.
   */
  scan(request: ListRequest = {}): Promise<void> {
    if (request.exact) this.exactQueued = true;
    if (!this.scanning) return this.startScan();
    this.nextScan ??= this.scanning.catch(() => undefined).then(() => {
      this.nextScan = undefined;
      return this.startScan();
    });
    return this.nextScan;
  }

  private startScan(): Promise<void> {
    const exact = this.exactQueued;
    this.exactQueued = false;
    this.scanning = this.doScan({ exact }).finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  /** Debounced scan, for bursts of file events (a save writes several files). */
  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.scan(), DEBOUNCE_MS);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.dispose();
    for (const d of this.disposables) d.dispose();
  }

  private async doScan(request: ListRequest): Promise<void> {
    const globs = readSettings().runsGlobs;
    const found = await Promise.all(globs.map((g) => vscode.workspace.findFiles(g, WORKSPACE_EXCLUDE)));
    const dirs = runDirsFromMarkers(found.flat().map((u) => u.fsPath));
    await this.model.setRunDirs(dirs, request);
    await setContextKey('trainingRuns.hasRuns', this.model.runs().length > 0);
    await setContextKey('trainingRuns.loaded', true);
  }

  private watch(): void {
    for (const w of this.watchers) w.dispose();
    // The marker patterns, plus checkpoint folders appearing and disappearing (deletes by retention),
    // native ones in checkpoints/ and Hugging Face ones directly in the output folder.
    const patterns = [...readSettings().runsGlobs, '**/checkpoints/*', '**/checkpoint-*'];
    this.watchers = patterns.map((p) => {
      const w = vscode.workspace.createFileSystemWatcher(p);
      w.onDidCreate(() => this.schedule());
      w.onDidChange(() => this.schedule());
      w.onDidDelete(() => this.schedule());
      return w;
    });
  }
}
