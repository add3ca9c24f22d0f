/**
 * Entry point: wires the run model, the trainer runner, the Runs tree, the session UI and the
 * loss-curves panel, and registers the commands (all in commands.ts). Activation does no I/O of
 * its own beyond starting discovery in the background, and never loads tfjs (the trainer runs in
 * its own process).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { COMMANDS } from './commands/ids';
import { setContextKey } from './contextKeys';
import { external } from './external/lazy';
import { LossCurvesManager } from './lossCurves/lossCurvesManager';
import { projectDirOf, resolveTrainerLaunch, type TrainRequest } from './process/launch';
import { externalOutputDir, installReaderPool, loadTrainConfig } from './reading';
import { ReaderPool } from './reading/readerPool';
import { TrainingService } from './process/trainingService';
import { readSettings } from './settings';
import { slurm } from './slurm/lazy';
import { RunActions } from './runsTable/runActions';
import { RunsTable } from './runsTable/runsTable';
import { RunsTableSource } from './runsTable/runsTableSource';
import { RunsTreeProvider } from './tree/runsTreeProvider';
import { ConfigDiagnostics } from './ui/configDiagnostics';
import { CheckpointInspectProvider, INSPECT_SCHEME } from './ui/inspectDocument';
import { Prompts } from './ui/prompts';
import { saveExport } from './lossCurves/exportFile';
import { TrainingSessionUi } from './ui/trainingSessionUi';
import { fileRunReader } from './store/runReader';
import { RunStore } from './store/runStore';
import { WorkspaceRuns } from './store/workspaceRuns';

/** What activate() returns: the live objects, for other extensions and the integration tests. */
export interface TrainingRunsApi {
  /** The run store: every run's record, status, checkpoints and best checkpoint (store/runStore.ts). */
  runs: RunStore;
  training: TrainingService;
  workspaceRuns: WorkspaceRuns;
  tree: RunsTreeProvider;
  lossCurves: LossCurvesManager;
  /** Config problems published as diagnostics (open and save of files under configs/). */
  configDiagnostics: ConfigDiagnostics;
  /** The questions commands ask (integration tests answer them through `answerWith`). */
  prompts: Prompts;
  /** Notifications, output channels and the status bar of the runs that train. */
  ui: TrainingSessionUi;
  /** The "Compare Runs" table. */
  runsTable: RunsTable;
}

let shutdown: (() => Promise<void>) | undefined;

export function activate(context: vscode.ExtensionContext): TrainingRunsApi {
  // Every workspace read below runs in these worker threads, within the read time budget.
  const readers = installReaderPool(
    new ReaderPool({
      workerScript: context.asAbsolutePath(path.join('dist', 'readerWorker.js')),
      budgetMs: () => readSettings().readTimeBudgetMs,
    }),
  );
  const reader = fileRunReader;
  const model = new RunStore({ reader });
  // External trainers' Hugging Face folders are followed through the store's one watcher when it sees them.
  const outputFolderWatch = {
    filesChanged: (dir: string, listener: () => void) =>
      model.onDidChangeFiles((e) => e.dir === path.resolve(dir) && e.kind === 'checkpoints' && listener()),
    watched: (dir: string) => vscode.workspace.getWorkspaceFolder(vscode.Uri.file(dir)) !== undefined,
  };
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
    externalTrainerFor: async (request) =>
      (await slurm().slurmRunFor(request, launchFor(request))) ??
      external().externalTrainerFor(request, outputFolderWatch),
    outputDirOf: async (request) => {
      // Both read in the reader workers, so a hostile config never holds up the host.
      const externalDir = await externalOutputDir(request.configPath, request.sets);
      if (externalDir !== undefined) return externalDir;
      // Knowing the folder before launch refuses a second trainer there at once, with no process started.
      return (await loadTrainConfig(request.configPath, { cwd: projectDirOf(request.configPath), sets: request.sets }))
        .output_dir;
    },
    stopTimeoutMs: () => readSettings().stopTimeoutMs,
    hangTimeoutMs: () => readSettings().hangTimeoutMs,
  });
  const tree = new RunsTreeProvider(model);
  const treeView = vscode.window.createTreeView('trainingRuns.runs', { treeDataProvider: tree, showCollapseAll: true });
  const workspaceRuns = new WorkspaceRuns(model);
  const lossCurves = new LossCurvesManager({
    extensionUri: context.extensionUri,
    store: model,
    reader,
    actions: {
      onResume: async (runDir, checkpoint) => {
        await vscode.commands.executeCommand(COMMANDS.resume, runDir, checkpoint);
      },
      onStop: async (runDir) => {
        await vscode.commands.executeCommand(COMMANDS.stop, runDir);
      },
      onExport: (suggestedName, format, data) => saveExport(prompts, suggestedName, format, data),
    },
    // Panel settings (smoothing, log scale) outlive the window, per workspace.
    memento: context.workspaceState,
  });
  const prompts = new Prompts();
  const ui = new TrainingSessionUi(training, prompts, model, {
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
  model.onDidChange(() => void setContextKey('trainingRuns.hasRuns', model.runs().length > 0));

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
    readers,
  );
  const runsTableSource = new RunsTableSource(model);
  const runsTable = new RunsTable({
    extensionUri: context.extensionUri,
    source: runsTableSource,
    actions: new RunActions(runsTableSource, prompts),
    openCurves: (runDirs) => lossCurves.show(runDirs),
    log: (line) => console.warn(`[training-runs] ${line}`),
  });
  context.subscriptions.push(runsTable, runsTable.registerSerializer(), { dispose: () => runsTableSource.dispose() });
  registerCommands({
    context,
    model,
    training,
    tree,
    ui,
    prompts,
    workspaceRuns,
    listCheckpoints: (dir) => reader.listRunCheckpoints(dir),
    lossCurves: () => lossCurves,
    runsTable,
  });
  shutdown = () => training.shutdown(3000);

  // Discovery runs after activation returns: the view fills in when it is done.
  void workspaceRuns.scan();
  return { runs: model, training, workspaceRuns, tree, lossCurves, runsTable, prompts, configDiagnostics, ui };
}

/** Window closing: trainers get a short grace period to save, then are killed (none outlives the window). */
export async function deactivate(): Promise<void> {
  await shutdown?.();
}
