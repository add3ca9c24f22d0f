/**
 * Inspect: a checkpoint's full state (manifest, optimizer, scheduler, trainer state, model
 * tensors) as a read-only JSON document, every file's checksum verified in a reader worker. A
 * content provider's documents cannot be saved, so the checkpoint on disk can never be edited through it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { INSPECT_SCHEME } from '../contributionIds';
import { checkpointBytes, inspectBudgetMs } from '../model/inspectText';
import { inspectCheckpointText, ReadRefusedError } from '../reading';
import { readSettings } from '../settings';

export class CheckpointInspectProvider implements vscode.TextDocumentContentProvider {
  static uriFor(checkpointPath: string): vscode.Uri {
    // The path's last segment names the tab; the query carries the real location.
    return vscode.Uri.from({
      scheme: INSPECT_SCHEME,
      path: `/${path.basename(checkpointPath)}.json`,
      query: encodeURIComponent(checkpointPath),
    });
  }

  static checkpointPathOf(uri: vscode.Uri): string {
    return decodeURIComponent(uri.query);
  }

  async provideTextDocumentContent(uri: vscode.Uri, token?: vscode.CancellationToken): Promise<string> {
    const checkpointPath = CheckpointInspectProvider.checkpointPathOf(uri);
    // Every file is hashed in a reader worker, with a budget for the checkpoint's size; closing the tab cancels it.
    const cancel = new AbortController();
    const subscription = token?.onCancellationRequested(() => cancel.abort());
    try {
      const budgetMs = inspectBudgetMs(await checkpointBytes(checkpointPath), readSettings().readTimeBudgetMs);
      return await inspectCheckpointText(checkpointPath, { budgetMs, signal: cancel.signal });
    } catch (err) {
      const error = err instanceof ReadRefusedError ? `not inspected: ${err.reason}` : (err as Error).message;
      return JSON.stringify({ checkpoint: checkpointPath, error }, null, 2);
    } finally {
      subscription?.dispose();
    }
  }
}
