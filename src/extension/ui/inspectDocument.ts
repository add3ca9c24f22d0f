/**
 * Inspect: a checkpoint's full state (manifest, optimizer, scheduler, trainer state, model
 * tensors) as a read-only JSON document. A content provider's documents cannot be saved, so the
 * checkpoint on disk can never be edited through it.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { INSPECT_SCHEME } from '../contributionIds';
import { inspectForDocument } from '../model/checkpointEngine';

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

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const checkpointPath = CheckpointInspectProvider.checkpointPathOf(uri);
    try {
      const inspection = await inspectForDocument(checkpointPath);
      return JSON.stringify(
        inspection,
        (_key, value: unknown) => (ArrayBuffer.isView(value) ? `<${(value as Uint8Array).length} values>` : value),
        2,
      );
    } catch (err) {
      return JSON.stringify({ checkpoint: checkpointPath, error: (err as Error).message }, null, 2);
    }
  }
}
