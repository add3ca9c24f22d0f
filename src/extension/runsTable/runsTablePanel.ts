/**
 * The "Compare Runs" webview panel: one per window. Same rules as the loss-curves panel: strict CSP
 * with a nonce, assets only from dist/webview, a ready handshake, validated messages both ways, and
 * row updates batched and held back while the panel is hidden. Restored after a window reload.
 */
import * as vscode from 'vscode';
import {
  parseTableWebviewToHost,
  type RunRow,
  type TableHostToWebview,
  type TableWebviewToHost,
} from '../../core/protocol/runsTable';
import { makeNonce, renderPanelHtml } from '../lossCurves/panelHtml';
import { ActionRefused, RunActions } from './runActions';
import type { RowsChange, RunsTableSource } from './runsTableSource';

export { RUNS_TABLE_VIEW_TYPE } from '../contributionIds';
const TITLE = 'Compare Runs';
const BATCH_MS = 200;
/** The details are read this long after `init` at the latest, painted or not (a hidden panel paints later). */
const DETAILS_AFTER_MS = 2000;

export interface RunsTableOptions {
  extensionUri: vscode.Uri;
  source: RunsTableSource;
  actions: RunActions;
  /** Opens one loss-curves panel with these runs overlaid. */
  openCurves(runDirs: string[]): unknown;
  log(message: string): void;
}

export class RunsTablePanel implements vscode.Disposable {
  private ready = false;
  private readonly rows = new Map<string, RunRow>();
  private pending: RowsChange = { changed: [], removed: [] };
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private detailsTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly posted = new vscode.EventEmitter<TableHostToWebview>();
  private readonly disposed = new vscode.EventEmitter<void>();
  /** Every message posted to the webview (for tests and diagnostics). */
  readonly onDidPost = this.posted.event;
  readonly onDidDispose = this.disposed.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly options: RunsTableOptions,
  ) {
    const assets = vscode.Uri.joinPath(options.extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [assets] };
    panel.webview.html = renderPanelHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(assets, 'runs-table.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(assets, 'runs-table.css')).toString(),
      title: TITLE,
    });
    this.disposables.push(
      options.source.onDidChange((change) => this.queue(change)),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      panel.onDidChangeViewState(() => panel.visible && this.flush()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** The rows as last sent to the webview. */
  get shownRows(): RunRow[] {
    return [...this.rows.values()];
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Handles one message from the webview; public so tests drive the same path. */
  async receive(raw: unknown): Promise<void> {
    const parsed = parseTableWebviewToHost(raw);
    if (!parsed.ok) {
      this.options.log(`runs table: ignored a malformed message from the webview: ${parsed.error}`);
      return;
    }
    try {
      await this.handle(parsed.value);
    } catch (err) {
      const message = err instanceof ActionRefused ? err.message : `Training: ${(err as Error).message}`;
      this.options.log(`runs table: ${message}`);
      this.post({ type: 'notice', level: 'error', message });
      if (!(err instanceof ActionRefused)) void vscode.window.showErrorMessage(message);
    }
  }

  dispose(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.detailsTimer !== null) clearTimeout(this.detailsTimer);
    this.detailsTimer = null;
    this.disposed.fire();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.posted.dispose();
    this.disposed.dispose();
    this.panel.dispose();
  }

  /** Starts reading the rows' missing details after `ms` (0: now), replacing a later start. */
  private readDetailsIn(ms: number): void {
    if (this.detailsTimer !== null) clearTimeout(this.detailsTimer);
    this.detailsTimer = null;
    const start = (): void => {
      this.detailsTimer = null;
      this.options.source.readMissingDetails();
    };
    if (ms === 0) start();
    else this.detailsTimer = setTimeout(start, ms);
  }

  private async handle(message: TableWebviewToHost): Promise<void> {
    const { actions } = this.options;
    switch (message.type) {
      case 'ready': {
        this.pending = { changed: [], removed: [] };
        const rows = await this.options.source.rows({ deferDetails: true });
        this.rows.clear();
        for (const row of rows) this.rows.set(row.runDir, row);
        this.ready = true;
        this.post({ type: 'init', rows });
        this.readDetailsIn(DETAILS_AFTER_MS);
        return;
      }
      case 'painted':
        this.readDetailsIn(0);
        return;
      case 'compare': {
        const unknown = message.runDirs.filter((d) => !this.rows.has(d));
        if (unknown.length > 0) throw new ActionRefused(`Not runs of this table: ${unknown.join(', ')}`);
        this.options.openCurves(message.runDirs);
        return;
      }
      case 'saveNotes':
        this.notice(await actions.saveNotes(message.runDir, message.notes, message.tags));
        return;
      case 'rename':
        this.notice(await actions.rename(message.runDir));
        return;
      case 'delete': {
        const row = this.rows.get(message.runDir);
        if (!row) throw new ActionRefused(`${message.runDir} is not a run of this table.`);
        this.notice(await actions.delete(row));
        return;
      }
      case 'exportCsv': {
        const rows = message.runDirs.flatMap((d) => this.rows.get(d) ?? []);
        const file = await actions.exportCsv(rows, message.columns);
        this.notice(file ? `Exported ${rows.length} run(s) to ${file.fsPath}.` : undefined);
        return;
      }
      case 'log':
        this.options.log(`runs table webview (${message.level}): ${message.message}`);
        return;
    }
  }

  private notice(message: string | undefined): void {
    if (message) this.post({ type: 'notice', level: 'info', message });
  }

  private queue(change: RowsChange): void {
    const removed = new Set(change.removed);
    const changed = new Map([...this.pending.changed, ...change.changed].map((r) => [r.runDir, r]));
    for (const d of removed) changed.delete(d);
    this.pending = {
      changed: [...changed.values()],
      removed: [...new Set([...this.pending.removed.filter((d) => !changed.has(d)), ...removed])],
    };
    for (const row of change.changed) this.rows.set(row.runDir, row);
    for (const d of removed) this.rows.delete(d);
    if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flush();
      }, BATCH_MS);
    }
  }

  /** Sends the batch if the webview is ready and visible; otherwise it waits. */
  private flush(): void {
    if (!this.ready || !this.panel.visible) return;
    if (this.pending.changed.length === 0 && this.pending.removed.length === 0) return;
    const { changed, removed } = this.pending;
    this.pending = { changed: [], removed: [] };
    this.post({ type: 'rows', changed, removed });
  }

  private post(message: TableHostToWebview): void {
    void this.panel.webview.postMessage(message);
    this.posted.fire(message);
  }
}
