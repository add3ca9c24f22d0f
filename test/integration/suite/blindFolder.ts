/**
 * Keeps a folder from VS Code's file watcher (files.watcherExclude) and waits until that holds: the
 * setting reaches the watcher some time after it is written, and a test that writes into the folder
 * before then is seen by the watcher, so it would pass without the fallback it means to test. Proof:
 * a file written in the folder raises no event while one written beside it, after it, does.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const PROBE = 'watcher-probe-';
const files = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('files');

/** Makes `folder` (absolute, inside the workspace) blind to the watcher under `glob`; resolves once it is. */
export async function blindFolder(glob: string, folder: string, timeoutMs = 45_000): Promise<void> {
  await files().update('watcherExclude', { [glob]: true }, vscode.ConfigurationTarget.Workspace);
  // The control files go straight into the workspace folder: a folder made for them now could itself
  // be missed by the watcher (made with its parent), and the proof would never come.
  const seen = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  mkdirSync(folder, { recursive: true });
  const events = new Set<string>();
  const watcher = vscode.workspace.createFileSystemWatcher(`**/${PROBE}*.txt`);
  const note = (uri: vscode.Uri): void => void events.add(uri.fsPath);
  watcher.onDidCreate(note);
  watcher.onDidChange(note);
  const deadline = Date.now() + timeoutMs;
  let tries = 0;
  let controlsSeen = 0;
  let hiddenSeen = 0;
  try {
    for (let i = 0; Date.now() < deadline; i++) {
      tries++;
      const hidden = join(folder, `${PROBE}${i}.txt`);
      const control = join(seen, `${PROBE}seen-${i}.txt`);
      writeFileSync(hidden, 'x');
      writeFileSync(control, 'x');
      const waitUntil = Date.now() + 3000;
      while (!events.has(control) && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
      // Events of one batch arrive together: the control seen and the hidden file not, it is blind.
      await new Promise((r) => setTimeout(r, 300));
      rmSync(hidden, { force: true });
      rmSync(control, { force: true });
      if (events.has(control)) controlsSeen++;
      if (events.has(hidden)) hiddenSeen++;
      if (events.has(control) && !events.has(hidden)) return;
    }
    throw new Error(
      `files.watcherExclude ${glob} did not keep ${folder} from the watcher in ${timeoutMs} ms ` +
        `(${tries} probes: the control file seen ${controlsSeen} times, the hidden one ${hiddenSeen} times)`,
    );
  } finally {
    watcher.dispose();
  }
}

/** Gives the folders back to the watcher. */
export async function unblindFolders(): Promise<void> {
  await files().update('watcherExclude', undefined, vscode.ConfigurationTarget.Workspace);
}
