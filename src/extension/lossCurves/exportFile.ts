/**
 * Saving a loss-curves export (the chart as PNG, its data as CSV): a save dialog through Prompts
 * (so tests answer it), proposing the first workspace folder, then one write.
 */
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { Prompts } from '../ui/prompts';

export async function saveExport(
  prompts: Prompts,
  suggestedName: string,
  format: 'png' | 'csv',
  data: Uint8Array,
): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
  const target = await prompts.saveFile({
    title: format === 'png' ? 'Save the loss-curves chart as PNG' : 'Save the loss-curves data as CSV',
    defaultPath: join(folder, suggestedName),
    filters: format === 'png' ? { 'PNG image': ['png'] } : { 'CSV table': ['csv'] },
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, data);
  return target.fsPath;
}
