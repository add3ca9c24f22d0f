/**
 * Opens and restores the one "Compare Runs" panel of the window. Integration (extension.ts):
 * `new RunsTable({...})`, keep it in context.subscriptions and register it as the panel's serializer;
 * the command `trainingRuns.compareRuns` calls `show()`. package.json activates on `onWebviewPanel:trainingRuns.runsTable`.
 */
import * as vscode from 'vscode';
import { RUNS_TABLE_VIEW_TYPE, RunsTablePanel, type RunsTableOptions } from './runsTablePanel';

export class RunsTable implements vscode.Disposable, vscode.WebviewPanelSerializer {
  private current: RunsTablePanel | undefined;
  private readonly opened = new vscode.EventEmitter<RunsTablePanel>();
  /** Fires for every panel created (by show() or by restoring after a reload). */
  readonly onDidOpenPanel = this.opened.event;

  constructor(private readonly options: RunsTableOptions) {}

  get panel(): RunsTablePanel | undefined {
    return this.current;
  }

  show(): RunsTablePanel {
    if (this.current) {
      this.current.reveal();
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel(RUNS_TABLE_VIEW_TYPE, 'Compare Runs', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.options.extensionUri, 'dist', 'webview')],
    });
    return this.adopt(panel);
  }

  /** Restores the panel after a reload (extension.ts registers this serializer at activation). */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
    if (this.current) panel.dispose();
    else this.adopt(panel);
  }

  dispose(): void {
    this.current?.dispose();
    this.opened.dispose();
  }

  private adopt(webviewPanel: vscode.WebviewPanel): RunsTablePanel {
    const panel = new RunsTablePanel(webviewPanel, this.options);
    this.current = panel;
    panel.onDidDispose(() => {
      if (this.current === panel) this.current = undefined;
    });
    this.opened.fire(panel);
    return panel;
  }
}
