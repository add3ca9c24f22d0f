/**
 * Entry point: wires the run model, the trainer runner, the Runs tree, the session UI and the
 * loss-curves panel, and registers the commands (all in commands.ts). Activation does no I/O of
 * its own beyond starting discovery in the background, and never loads tfjs (the trainer runs in
 * its own process).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { setContextKey } from './contextKeys';
import { external, hfAwareSource } from './external/lazy';
import { LossCurvesManager } from './lossCurves/lossCurvesManager';
import { engineCheckpointSource, TEMP_PREFIX } from './model/checkpointEngine';
import { RunModel, type RunStatus } from './model/runModel';
import { projectDirOf, resolveTrainerLaunch, type TrainRequest } from './process/launch';
import { TrainingService } from './process/trainingService';
import { readSettings } from './settings';
import { slurm } from './slurm/lazy';
import { RunsTreeProvider } from './tree/runsTreeProvider';
import { ConfigDiagnostics } from './ui/configDiagnostics';
import { CheckpointInspectProvider, INSPECT_SCHEME } from './ui/inspectDocument';
import { Prompts } from './ui/prompts';
import { saveExport } from './lossCurves/exportFile';
import { TrainingSessionUi } from './ui/trainingSessionUi';
import { WorkspaceRuns } from './workspaceRuns';

/** What activate() returns: the live objects, for other extensions and the integration tests. */
export interface TrainingRunsApi {
  runs: RunModel;
  training: TrainingService;
  workspaceRuns: WorkspaceRuns;
  tree: RunsTreeProvider;
  lossCurves: LossCurvesManager;
  /** Config problems published as diagnostics (open and save of files under configs/). */
  configDiagnostics: ConfigDiagnostics;
  /** The questions commands ask (integration tests answer them through `answerWith`). */
  prompts: Prompts;
  /** Milliseconds activate() took, measured inside it. */
  activationMs: number;
}

let shutdown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): TrainingRunsApi {
  const t0 = performance.now();
  const checkpointSource = hfAwareSource(engineCheckpointSource);
  const model = new RunModel({ source: checkpointSource, tempPrefix: TEMP_PREFIX });
  const launchFor = (request: TrainRequest) =>
    resolveTrainerLaunch(
      request,
      { nodePath: readSettings().nodePath, trainerScript: context.asAbsolutePath(path.join('dist', 'trainer.js')) },
      { execPath: process.execPath, electronVersion: process.versions.electron, env: process.env },
    );
  const training = new TrainingService({
    model,
    launchFor,
    // A config with `launcher: {type: slurm}` runs as a batch job; external commands and local runs as processes.
    externalTrainerFor: async (request) => (await slurm().slurmRunFor(request, launchFor(request))) ?? external().externalTrainerFor(request),
    outputDirOf: async (request) => {
      const externalDir = await external().externalOutputDirOf(request);
      if (externalDir !== undefined) return externalDir;
      // Knowing the folder before launch refuses a second trainer there at once, with no process started.
      // Required lazily: the YAML parser and schema load on first Train, not on activation.
      const { loadConfig } = require('../core/config/index') as typeof import('../core/config/index');
      return (await loadConfig(request.configPath, { cwd: projectDirOf(request.configPath), sets: request.sets })).output_dir;
    },
    stopTimeoutMs: () => readSettings().stopTimeoutMs,
    hangTimeoutMs: () => readSettings().hangTimeoutMs,
  });
  const tree = new RunsTreeProvider(model);
  const treeView = vscode.window.createTreeView('trainingRuns.runs', { treeDataProvider: tree, showCollapseAll: true });
  const workspaceRuns = new WorkspaceRuns(model);
  const lossCurves = new LossCurvesManager({
    extensionUri: context.extensionUri,
    listCheckpoints: (dir) => checkpointSource.list(dir),
    actions: {
      onResume: async (runDir, checkpoint) => {
        await vscode.commands.executeCommand('trainingRuns.resume', runDir, checkpoint);
      },
      onStop: async (runDir) => {
        await vscode.commands.executeCommand('trainingRuns.stop', runDir);
      },
      onExport: (suggestedName, format, data) => saveExport(prompts, suggestedName, format, data),
    },
    // Panel settings (smoothing, log scale) outlive the window, per workspace.
    memento: context.workspaceState,
  });
  const ui = new TrainingSessionUi(training, {
    onStarted: (runDir) => {
      if (readSettings().openLossCurvesOnStart) lossCurves.show([runDir]);
    },
  });

  // Live events feed the loss curves; run states enable the panel's Resume/Stop.
  training.onDidStart((handle) => {
    void setContextKey('trainingRuns.isTraining', true);
    handle.process.onEvent((event) => handle.runDir && lossCurves.postTrainerEvent(handle.runDir, event));
  });
  training.onDidEnd(() => void setContextKey('trainingRuns.isTraining', training.active().length > 0));
  const panelStates = new Map<string, RunStatus>();
  model.onDidChange(() => {
    void setContextKey('trainingRuns.hasRuns', model.runs().length > 0);
    for (const run of model.runs()) {
      if (panelStates.get(run.dir) === run.status) continue;
      panelStates.set(run.dir, run.status);
      lossCurves.setRunState(run.dir, run.status === 'stopping' ? 'training' : run.status);
    }
  });

  const configDiagnostics = new ConfigDiagnostics();
  context.subscriptions.push(
    configDiagnostics,
    treeView,
    tree,
    workspaceRuns,
    ui,
    lossCurves,
    lossCurves.registerSerializer(),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, new CheckpointInspectProvider()),
    { dispose: () => training.dispose() },
    { dispose: () => model.dispose() },
  );
  const prompts = new Prompts();
  registerCommands({ context, model, training, tree, ui, prompts, workspaceRuns, listCheckpoints: (dir) => checkpointSource.list(dir), lossCurves: () => lossCurves });
  shutdown = () => training.shutdown(3000);

  // Discovery runs after activation returns: the view fills in when it is done.
  void workspaceRuns.scan();
  return { runs: model, training, workspaceRuns, tree, lossCurves, prompts, configDiagnostics, activationMs: performance.now() - t0 };
}

/** Window closing: trainers get a short grace period to save, then are killed (none outlives the window). */
export async function deactivate(): Promise<void> {
  await shutdown?.();
}
