/**
 * What the runs table does to a run: save its notes and tags, rename it (a display name in its
 * notes file; the folder stays where it is, so a running trainer is never disturbed), delete it
 * (refused while it trains; confirmed through Prompts; to the trash where the platform has one, else
 * permanently after a second confirmation), and export the table as CSV (save dialog through
 * Prompts). Each returns a line for the table's notice, or throws with one.
 */
import { lstat } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunRow } from '../../core/protocol/runsTable';
import {
  readRunNotes,
  validateNotes,
  writeRunNotes,
  NOTES_LIMITS,
  RUN_NOTES_FILE,
} from '../../core/runsTable/runNotes';
import { columnsById, toCsv } from '../../core/runsTable/tableColumns';
import type { Prompts } from '../ui/prompts';
import type { RunsTableSource } from './runsTableSource';

export class ActionRefused extends Error {}

export class RunActions {
  constructor(
    private readonly source: RunsTableSource,
    private readonly prompts: Prompts,
  ) {}

  async saveNotes(runDir: string, notes: string, tags: readonly string[]): Promise<string> {
    this.assertKnown(runDir);
    const { notes: current, problem } = await readRunNotes(runDir);
    if (problem) throw new ActionRefused(`${problem}. Notes not saved, so nothing in it is lost.`);
    const checked = validateNotes({ ...current, notes, tags });
    if (!checked.ok) throw new ActionRefused(`Notes of ${path.basename(runDir)} not saved: ${checked.error}.`);
    await writeRunNotes(runDir, checked.value);
    await this.source.notesChanged(runDir);
    return `Notes of ${checked.value.displayName ?? path.basename(runDir)} saved.`;
  }

  /** Returns undefined when the user dismissed the input box. */
  async rename(runDir: string): Promise<string | undefined> {
    this.assertKnown(runDir);
    const { notes: current, problem } = await readRunNotes(runDir);
    if (problem) throw new ActionRefused(`${problem}. Not renamed, so nothing in it is lost.`);
    const typed = await this.prompts.input({
      title: 'Rename Run',
      prompt: `Display name of ${runDir} (the folder is not moved; empty restores the folder name)`,
      value: current.displayName ?? path.basename(runDir),
      validate: (v) =>
        v.trim().length > NOTES_LIMITS.displayNameChars
          ? `At most ${NOTES_LIMITS.displayNameChars} characters.`
          : undefined,
    });
    if (typed === undefined) return undefined;
    const displayName = typed.trim() === '' || typed.trim() === path.basename(runDir) ? null : typed.trim();
    await writeRunNotes(runDir, { ...current, displayName });
    await this.source.notesChanged(runDir);
    return `Renamed to ${displayName ?? path.basename(runDir)} (in ${RUN_NOTES_FILE}; the folder stays ${runDir}).`;
  }

  /** Returns undefined when the user did not confirm. */
  async delete(row: RunRow): Promise<string | undefined> {
    const runDir = row.runDir;
    this.assertKnown(runDir);
    if (this.source.isTraining(runDir)) throw new ActionRefused(`${row.name} is training; stop it before deleting it.`);
    await this.assertDeletableFolder(runDir);
    const uri = vscode.Uri.file(runDir);
    const confirmed = await this.prompts.choose(
      'warning',
      `Delete the run ${row.name}?`,
      {
        modal: true,
        detail: `The folder ${runDir} and everything in it (${row.checkpointsKept} checkpoint(s)) will be moved to the trash.`,
      },
      'Delete',
    );
    if (confirmed !== 'Delete') return undefined;
    try {
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
    } catch (err) {
      // Remote hosts and some Linux set-ups have no trash: say so, and delete only if the user agrees.
      const permanent = await this.prompts.choose(
        'warning',
        `${row.name} could not be moved to the trash (${(err as Error).message}). Delete it permanently?`,
        { modal: true, detail: `The folder ${runDir} will be deleted permanently.` },
        'Delete Permanently',
      );
      if (permanent !== 'Delete Permanently') return undefined;
      await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: false });
      await this.source.removed(runDir);
      return `${row.name} deleted permanently.`;
    }
    await this.source.removed(runDir);
    return `${row.name} moved to the trash.`;
  }

  /** Returns the file written, or undefined when the save dialog was dismissed. */
  async exportCsv(rows: readonly RunRow[], columnIds: readonly string[]): Promise<vscode.Uri | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const target = await this.prompts.saveFile({
      title: 'Export Runs Table',
      defaultPath: path.join(folder, 'runs.csv'),
      filters: { CSV: ['csv'] },
    });
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, Buffer.from(toCsv(rows, columnsById(rows, columnIds)), 'utf8'));
    return target;
  }

  private assertKnown(runDir: string): void {
    if (!this.source.has(runDir)) throw new ActionRefused(`${runDir} is not a run of this workspace.`);
  }

  /** Never a workspace folder (or one above it), never through a link. */
  private async assertDeletableFolder(runDir: string): Promise<void> {
    const target = path.resolve(runDir);
    for (const f of vscode.workspace.workspaceFolders ?? []) {
      const root = path.resolve(f.uri.fsPath);
      if (root === target || root.startsWith(target + path.sep))
        throw new ActionRefused(`${target} is (or holds) a workspace folder; delete it outside the editor.`);
    }
    const info = await lstat(target);
    if (info.isSymbolicLink() || !info.isDirectory())
      throw new ActionRefused(`${target} is a link or not a folder; nothing was deleted.`);
  }
}
