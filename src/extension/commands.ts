/**
 * Every command of the extension is registered here (category "Training" in package.json).
 * Commands accept optional arguments so they can be driven without quick picks (keybindings,
 * other extensions, tests): each one documents them and returns what it started or changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONFIG_GLOB, pickConfig, pickResumeTarget, pickRunning, WORKSPACE_EXCLUDE } from './commands/pickers';
import { external } from './external/lazy';
import { isIdle } from './model/labels';
import { DeleteRefusedError, deleteCheckpointFolder } from './model/safeDelete';
import { latestValidCheckpoint, type RunModel, type RunView } from './model/runModel';
import { BusyRunError, type TrainingHandle, type TrainingService } from './process/trainingService';
import type { TrainerExit } from './process/trainerProcess';
import { readSettings } from './settings';
import type { RunsTreeNode, RunsTreeProvider } from './tree/runsTreeProvider';
import { CheckpointInspectProvider } from './ui/inspectDocument';
import { SHOW_LOG_COMMAND, type TrainingSessionUi } from './ui/trainingSessionUi';
import type { WorkspaceRuns } from './workspaceRuns';

export interface LossCurvesOpener {
  show(runDirs: string[]): unknown;
}

export interface CommandDeps {
  context: vscode.ExtensionContext;
  model: RunModel;
  training: TrainingService;
  tree: RunsTreeProvider;
  ui: TrainingSessionUi;
  workspaceRuns: WorkspaceRuns;
  /** Absent until the loss-curves panel is available. */
  lossCurves: () => LossCurvesOpener | undefined;
}

export interface TrainOptions {
  /** Extra `--set key=value` overrides. */
  sets?: string[];
  /** 'cpu', 'wasm' or a GPU index; default: the trainingRuns.device setting. */
  device?: string;
}

export interface DeleteOptions {
  /** false skips the confirmation dialog (for scripted callers that confirmed themselves). */
  confirm?: boolean;
}

type RunTarget = RunsTreeNode | string | undefined;

export function registerCommands(deps: CommandDeps): void {
  const { context, model, training, tree } = deps;
  const register = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  const runOf = (target: RunTarget): RunView | undefined => (typeof target === 'string' ? model.get(target) : target ? tree.runOf(target) : undefined);
  const checkpointPathOf = (target: RunsTreeNode | string | undefined): string | undefined =>
    typeof target === 'string' ? path.resolve(target) : target?.kind === 'checkpoint' ? target.path : undefined;
  const runOfCheckpoint = (checkpointPath: string): RunView | undefined => model.runs().find((r) => r.checkpoints.some((c) => c.path === checkpointPath));

  async function startTraining(configPath: string, sets: string[], device: string | undefined): Promise<TrainingHandle | undefined> {
    try {
      return await training.start({ configPath, sets, device: device ?? readSettings().device });
    } catch (err) {
      if (err instanceof BusyRunError) {
        void vscode.window.showErrorMessage(`Training: ${err.message}`);
        return undefined;
      }
      throw err;
    }
  }

  /** Train(config?: path | Uri, options?: TrainOptions) → TrainingHandle | undefined. */
  register('trainingRuns.train', async (config?: string | vscode.Uri, options?: TrainOptions) => {
    const configPath = config instanceof vscode.Uri ? config.fsPath : config ? path.resolve(config) : await pickConfig();
    if (!configPath) return undefined;
    return startTraining(configPath, options?.sets ?? [], options?.device);
  });

  /** Trains the example project's train.yaml (welcome view button), copying the example in if needed. */
  register('trainingRuns.trainExample', async () => {
    const found = (await vscode.workspace.findFiles(CONFIG_GLOB, WORKSPACE_EXCLUDE)).map((u) => u.fsPath).sort();
    const train = found.find((p) => p.endsWith(`${path.sep}checkpointing${path.sep}configs${path.sep}train.yaml`)) ?? found.find((p) => path.basename(p) === 'train.yaml');
    if (train) return startTraining(train, [], undefined);
    const folder = vscode.workspace.workspaceFolders?.[0];
    const bundled = context.asAbsolutePath(path.join('examples', 'checkpointing'));
    if (!folder || !fs.existsSync(bundled)) {
      void vscode.window.showWarningMessage('Training: open a folder with a configs/ folder of training configs, then run Train.');
      return undefined;
    }
    const target = path.join(folder.uri.fsPath, 'checkpointing-example');
    const ok = await vscode.window.showInformationMessage(`Copy the example project into ${target} and train it?`, 'Copy and Train');
    if (ok !== 'Copy and Train') return undefined;
    await fs.promises.cp(bundled, target, { recursive: true, filter: (src) => !src.includes(`${path.sep}runs`) });
    return startTraining(path.join(target, 'configs', 'train.yaml'), [], undefined);
  });

  /**
   * Resume(run?: node | runDir | checkpoint node | checkpoint path, checkpoint?: path | 'latest')
   * → TrainingHandle | undefined. Resumes with the run's own config, into the same folder.
   */
  const resume = async (target?: RunTarget, checkpointArg?: string): Promise<TrainingHandle | undefined> => {
    let run: RunView | undefined;
    let checkpointPath: string | undefined;
    const asCheckpoint = checkpointPathOf(target);
    if (typeof target === 'string' && model.get(target)) run = model.get(target);
    else if (asCheckpoint && runOfCheckpoint(asCheckpoint)) {
      run = runOfCheckpoint(asCheckpoint);
      checkpointPath = asCheckpoint;
    } else if (target) run = runOf(target);
    else {
      const picked = await pickResumeTarget(model);
      if (!picked) return undefined;
      run = picked.run;
      checkpointPath = picked.checkpoint.path;
    }
    if (!run) {
      void vscode.window.showErrorMessage(`Training: ${String(typeof target === 'string' ? target : 'that item')} is not a known run or checkpoint.`);
      return undefined;
    }
    if (checkpointArg && checkpointArg !== 'latest') checkpointPath = path.resolve(checkpointArg);
    checkpointPath ??= latestValidCheckpoint(run)?.path;
    const checkpoint = run.checkpoints.find((c) => c.path === checkpointPath);
    if (!checkpoint) {
      void vscode.window.showErrorMessage(`Training: ${run.name} has no valid checkpoint to resume from.`);
      return undefined;
    }
    if (!checkpoint.valid) {
      void vscode.window.showErrorMessage(`Training: ${checkpoint.name} is invalid and cannot be resumed: ${checkpoint.problems.join('; ')}`);
      return undefined;
    }
    if (!isIdle(run)) {
      void vscode.window.showErrorMessage(`Training: ${run.name} is training; stop it before resuming.`);
      return undefined;
    }
    // A Hugging Face run trained from a terminal has no run.json: its external-trainer config names its folder.
    const configPath =
      run.record?.configPath ??
      (await external().findExternalConfigFor(run.dir, (await vscode.workspace.findFiles(CONFIG_GLOB, WORKSPACE_EXCLUDE)).map((u) => u.fsPath).sort()));
    if (!configPath) {
      void vscode.window.showErrorMessage(`Training: ${path.join(run.dir, 'run.json')} does not name the run's config, and no external_trainer config in the workspace writes to ${run.dir}, so it cannot be resumed from here; train its config with resume_from_checkpoint instead.`);
      return undefined;
    }
    // JSON strings are valid YAML, so paths with spaces or colons survive --set parsing.
    const sets = [`resume_from_checkpoint=${JSON.stringify(checkpoint.path)}`, `output_dir=${JSON.stringify(run.dir)}`];
    // Keep the run's own target even if it was started with a --set override of max_steps.
    if (run.record?.maxSteps) sets.push(`max_steps=${run.record.maxSteps}`);
    return startTraining(configPath, sets, undefined);
  };
  register('trainingRuns.resume', resume);
  register('trainingRuns.resumeFromCheckpoint', (node?: RunsTreeNode | string) => resume(node));

  /** Stop(run?: node | runDir) → TrainerExit[]: graceful stop, then kill after the stop timeout. */
  register('trainingRuns.stop', async (target?: RunTarget): Promise<TrainerExit[]> => {
    const run = runOf(target);
    let handles: TrainingHandle[] | undefined;
    if (run) handles = [training.byRunDir(run.dir)].filter((h): h is TrainingHandle => h !== undefined);
    else handles = await pickRunning(training.active());
    if (!handles || handles.length === 0) {
      const pid = run?.status === 'training' ? run.record?.pid : undefined;
      if (pid) {
        void vscode.window.showInformationMessage(`Training: ${run?.name} is trained by process ${pid} outside this window; stop it there (Ctrl+C, or kill -INT ${pid}): it saves a checkpoint first.`);
      } else if (run || training.active().length === 0) {
        void vscode.window.showInformationMessage('Training: nothing is training in this window.');
      }
      return [];
    }
    return Promise.all(handles.map((h) => training.stop(h)));
  });
  register('trainingRuns.stopAll', () => training.stopAll());

  register('trainingRuns.refresh', () => deps.workspaceRuns.scan({ exact: true }));

  register(SHOW_LOG_COMMAND, async (key?: string | RunsTreeNode) => {
    let k = typeof key === 'string' ? key : key ? runOf(key)?.dir : undefined;
    if (!k) {
      const withLogs = model.runs().filter((r) => deps.ui.hasChannel(r.dir));
      k = (await vscode.window.showQuickPick(withLogs.map((r) => ({ label: r.name, description: r.dir }))))?.description;
    }
    if (k) deps.ui.channelFor(k).show(true);
  });

  /** OpenLossCurves(runs?: node | runDir | runDir[]). */
  register('trainingRuns.openLossCurves', async (target?: RunTarget | string[]) => {
    const panel = deps.lossCurves();
    if (!panel) {
      void vscode.window.showInformationMessage('Training: the loss curves panel is not available in this build.');
      return false;
    }
    let dirs: string[];
    if (Array.isArray(target)) dirs = target.map((d) => path.resolve(d));
    else if (target) dirs = [runOf(target)?.dir ?? (typeof target === 'string' ? path.resolve(target) : '')].filter((d) => d !== '');
    else {
      const picked = await vscode.window.showQuickPick(
        model.runs().map((r) => ({ label: r.name, description: r.status, detail: r.dir, picked: r.status === 'training' })),
        { title: 'Open Loss Curves', canPickMany: true, placeHolder: 'Runs to chart' },
      );
      dirs = (picked ?? []).map((p) => p.detail ?? '').filter((d) => d !== '');
    }
    if (dirs.length === 0) return false;
    await panel.show(dirs);
    return true;
  });

  /** DeleteCheckpoint(checkpoint: node | path, options?: DeleteOptions) → true when deleted. */
  register('trainingRuns.deleteCheckpoint', async (target?: RunsTreeNode | string, options?: DeleteOptions) => {
    const checkpointPath = checkpointPathOf(target);
    if (!checkpointPath) return false;
    const run = runOfCheckpoint(checkpointPath) ?? model.get(path.dirname(path.dirname(checkpointPath)));
    if (run && !isIdle(run)) {
      void vscode.window.showErrorMessage(`Training: ${run.name} is training; stop it before deleting its checkpoints.`);
      return false;
    }
    if (options?.confirm !== false) {
      const answer = await vscode.window.showWarningMessage(
        `Delete ${path.basename(checkpointPath)}${run ? ` of ${run.name}` : ''}?`,
        { modal: true, detail: `The folder ${checkpointPath} and everything in it will be deleted permanently.` },
        'Delete',
      );
      if (answer !== 'Delete') return false;
    }
    try {
      await deleteCheckpointFolder(checkpointPath, model.runs().map((r) => r.dir));
    } catch (err) {
      const message = err instanceof DeleteRefusedError ? err.message : `could not delete ${checkpointPath}: ${(err as Error).message}`;
      void vscode.window.showErrorMessage(`Training: ${message}`);
      return false;
    } finally {
      if (run) await model.refresh(run.dir);
    }
    return true;
  });

  register('trainingRuns.revealCheckpoint', async (target?: RunsTreeNode | string) => {
    const p = checkpointPathOf(target);
    if (p) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(p));
  });

  register('trainingRuns.copyCheckpointPath', async (target?: RunsTreeNode | string) => {
    const p = checkpointPathOf(target);
    if (p) await vscode.env.clipboard.writeText(p);
    return p;
  });

  /** InspectCheckpoint(checkpoint: node | path) → the opened read-only document. */
  register('trainingRuns.inspectCheckpoint', async (target?: RunsTreeNode | string) => {
    const p = checkpointPathOf(target);
    if (!p) return undefined;
    const doc = await vscode.workspace.openTextDocument(CheckpointInspectProvider.uriFor(p));
    const json = await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(json, { preview: true });
    return json;
  });
}
