/**
 * Notes survive a reload of the window: notes and tags saved from the Compare Runs table before a
 * real `workbench.action.reloadWindow` are shown by the extension host started after it, in the
 * Runs tree's tooltip and in the table (the reload is a second pass of the index: reload.ts).
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunRow } from '../../../src/core/protocol/runsTable';
import { RUN_NOTES_FILE } from '../../../src/core/runsTable/runNotes';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { RunsTablePanel } from '../../../src/extension/runsTable/runsTablePanel';
import { COMMANDS } from '../../../src/extension/commands/ids';
import { writeHfCheckpoint } from '../../unit/extension/external/hfHelpers';
import { afterReload, requestReload } from './reload';
import { until } from './until';

const extensionId = 'training-runs.training-runs';
const AFTER_TITLE = 'notes survive a reload: shown in the tooltip and the table after it';
const notes = 'kept across the reload';
const tags = ['reload', 'notes'];

const runDir = (): string => path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'notes-reload', 'hf-run');
const activate = async (): Promise<TrainingRunsApi> =>
  (await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate())!;

/** Opens Compare Runs and returns our run's row once its details (notes among them) were read. */
async function tableRow(): Promise<{ panel: RunsTablePanel; row: RunRow }> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const panel = await vscode.commands.executeCommand<RunsTablePanel>(COMMANDS.compareRuns);
  assert.ok(panel, 'Compare Runs returned no panel');
  const row = await until(
    'the run’s row with its details',
    () => panel.shownRows.find((r) => r.runDir === runDir() && !r.detailsPending),
    60_000,
  );
  return { panel, row };
}

async function tooltipOf(api: TrainingRunsApi): Promise<string> {
  const element = { kind: 'run' as const, runDir: runDir() };
  const item = await api.tree.resolveTreeItem(api.tree.getTreeItem(element), element);
  return String(item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : item.tooltip);
}

describe('notes across a window reload', function () {
  this.timeout(120_000);

  it('notes survive a reload: saved from the table, then the window reloads', async function () {
    if (!requestReload(AFTER_TITLE)) return this.skip(); // a runner that cannot reload (reload.ts)
    const api = await activate();
    writeHfCheckpoint(runDir(), 10);
    await api.workspaceRuns.scan();
    const { panel } = await tableRow();
    await panel.receive({ type: 'saveNotes', runDir: runDir(), notes, tags });
    // The table re-reads the run's notes file after a save: the row shows what was written.
    await until(
      'the saved notes in the table’s row',
      () => panel.shownRows.find((r) => r.runDir === runDir() && r.notes === notes),
      60_000,
    );
    assert.ok(existsSync(path.join(runDir(), RUN_NOTES_FILE)), `${RUN_NOTES_FILE} written in the run's folder`);
  });

  afterReload(AFTER_TITLE, async () => {
    try {
      const api = await activate();
      // No scan asked for: the host started by the reload finds the run on its own.
      await until('the run found after the reload', () => api.runs.get(runDir()), 60_000);
      assert.match(await tooltipOf(api), new RegExp(`Tags: ${tags.join(', ')}\\nNotes: ${notes}`));
      const { row } = await tableRow();
      assert.equal(row.notes, notes);
      assert.deepEqual(row.tags, tags);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      rmSync(path.dirname(runDir()), { recursive: true, force: true });
    }
  });
});
