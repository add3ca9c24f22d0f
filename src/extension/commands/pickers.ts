/** Quick picks for Train, Resume and Stop. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isIdle, resumeLabel } from '../model/labels';
import { latestValidCheckpoint, type CheckpointView, type RunModel, type RunView } from '../model/runModel';
import type { TrainingHandle } from '../process/trainingService';

export const WORKSPACE_EXCLUDE = '**/{node_modules,.git}/**';
export const CONFIG_GLOB = '**/configs/**/*.{yaml,yml}';

const isYaml = (p: string) => /\.ya?ml$/i.test(p);

/** YAML configs under `configs/` folders, the active YAML editor's file first. */
export async function pickConfig(): Promise<string | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  const activePath = active && active.uri.scheme === 'file' && isYaml(active.uri.fsPath) ? active.uri.fsPath : undefined;
  const found = (await vscode.workspace.findFiles(CONFIG_GLOB, WORKSPACE_EXCLUDE)).map((u) => u.fsPath).sort();
  const paths = activePath ? [activePath, ...found.filter((p) => p !== activePath)] : found;
  if (paths.length === 0) {
    void vscode.window.showWarningMessage('Training: no configs found. Put YAML training configs in a configs/ folder, or open one and run Train again.');
    return undefined;
  }
  const items = paths.map((p) => ({
    label: path.basename(p),
    description: vscode.workspace.asRelativePath(path.dirname(p)),
    detail: p === activePath ? 'active editor' : undefined,
    configPath: p,
  }));
  const choice = await vscode.window.showQuickPick(items, { title: 'Train', placeHolder: 'Choose a training config' });
  return choice?.configPath;
}


/** "run · checkpoint-500 · 3 min ago · loss 0.41" per resumable run, and "Choose a checkpoint..." for any other. */
export async function pickResumeTarget(model: RunModel): Promise<{ run: RunView; checkpoint: CheckpointView } | undefined> {
  const runs = model.runs().filter((r) => isIdle(r) && r.record?.configPath && latestValidCheckpoint(r));
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Training: no run has a valid checkpoint to resume from (runs that are training cannot be resumed).');
    return undefined;
  }
  type Item = vscode.QuickPickItem & { target?: { run: RunView; checkpoint: CheckpointView } };
  const items: Item[] = runs.map((run) => {
    const checkpoint = latestValidCheckpoint(run)!;
    return { label: resumeLabel(run, checkpoint), description: vscode.workspace.asRelativePath(run.dir), target: { run, checkpoint } };
  });
  items.push({ label: 'Choose a checkpoint...', description: 'any valid checkpoint of any run', alwaysShow: true });
  const choice = await vscode.window.showQuickPick(items, { title: 'Resume', placeHolder: 'Resume a run from its latest valid checkpoint' });
  if (!choice) return undefined;
  if (choice.target) return choice.target;
  const all: Item[] = runs.flatMap((run) =>
    run.checkpoints.filter((c) => c.valid).map((checkpoint) => ({ label: resumeLabel(run, checkpoint), description: checkpoint.path, target: { run, checkpoint } })),
  );
  return (await vscode.window.showQuickPick(all, { title: 'Resume from a checkpoint', matchOnDescription: true }))?.target;
}

/** One running trainer, or all of them. */
export async function pickRunning(active: TrainingHandle[]): Promise<TrainingHandle[] | undefined> {
  if (active.length <= 1) return active;
  type Item = vscode.QuickPickItem & { handles: TrainingHandle[] };
  const items: Item[] = active.map((h) => ({ label: path.basename(h.runDir ?? h.request.configPath), description: h.runDir ?? h.request.configPath, handles: [h] }));
  items.push({ label: 'All runs', description: `${active.length} trainers`, handles: active });
  return (await vscode.window.showQuickPick(items, { title: 'Stop', placeHolder: 'Which run should stop (it saves a checkpoint first)?' }))?.handles;
}
