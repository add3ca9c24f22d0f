/**
 * What the extension runs on, created on first use rather than at activation (extension.ts requires
 * this module when the Runs view is first shown, a command runs, a panel is restored or the API is
 * read): the reader pool, the run store and its watcher, the trainer runner, the Runs tree, the
 * session UI, the loss-curves panels, the runs table and the commands' handlers. Creating them
 * starts the first listing of the workspace's runs.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { commandHandlers, type CommandHandler } from './commands';
import { COMMANDS, type CommandId } from './commands/ids';
import { setContextKey } from './contextKeys';
import type { TrainingRunsApi } from './extension';
import { saveExport } from './lossCurves/exportFile';
import { LossCurvesManager } from './lossCurves/lossCurvesManager';
import { resolveTrainerLaunch, type TrainRequest } from './process/launch';
import { prepareLaunch } from './process/prepareLaunch';
import { TrainingService } from './process/trainingService';
import { configProblems, installReaderPool, ReadRefusedError } from './reading';
import { refusedConfigText } from './commands/configFacts';
import { CheckpointInspectProvider } from './ui/inspectDocument';
import { ReaderPool } from './reading/readerPool';
import { RunActions } from './runsTable/runActions';
import { RunsTable } from './runsTable/runsTable';
import { RunsTableSource } from './runsTable/runsTableSource';
import { readSettings } from './settings';
import { fileRunReader } from './store/runReader';
import { RunStore } from './store/runStore';
import { ElsewhereFollower } from './store/elsewhereFollower';
import { MetricsWarmer } from './store/metricsWarmer';
import { WorkspaceRuns } from './store/workspaceRuns';
import { RunsTreeProvider } from './tree/runsTreeProvider';
import type { ConfigDiagnostics } from './ui/configDiagnostics';
import { Prompts } from './ui/prompts';
import { TrainingSessionUi } from './ui/trainingSessionUi';

export interface Services {
  api: TrainingRunsApi;
  commands: Map<CommandId, CommandHandler>;
  /** The first listing of the workspace's runs (commands wait for it: their pickers and targets need the runs). */
  firstListing: Promise<void>;
  /** Window closing: trainers get a short grace period to save, then are killed. */
  shutdown(): Promise<void>;
  /** The reads (through the reader pool these services installed), for the shims activation registers. */
  reading: ConfigReading;
  /** The Inspect documents' content. */
  inspect: vscode.TextDocumentContentProvider;
}

/** What config diagnostics need from the services bundle (ui/configDiagnostics.ts stays in the activation bundle). */
export interface ConfigReading {
  configProblems: typeof configProblems;
  isRefusal(err: unknown): err is ReadRefusedError;
  refusedConfigText: typeof refusedConfigText;
}

export function createServices(context: vscode.ExtensionContext, configDiagnostics: ConfigDiagnostics): Services {
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
    prepare: (request) => prepareLaunch(request, launchFor(request), outputFolderWatch),
    stopTimeoutMs: () => readSettings().stopTimeoutMs,
    hangTimeoutMs: () => readSettings().hangTimeoutMs,
  });
  const tree = new RunsTreeProvider(model);
  // A run that just ended is the one opened next: its long history is read now, its chart then opens from the
  // overview; so are the few that ended last while no window was open, once discovery is quiet.
  const metricsWarmer = new MetricsWarmer(model, reader, (line) => console.warn(`[training-runs] ${line}`));
  const workspaceRuns = new WorkspaceRuns(model);
  // Runs trained outside this window stay current where the watcher misses their folder.
  const elsewhereFollower = new ElsewhereFollower(model);
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

  context.subscriptions.push(
    tree,
    metricsWarmer,
    workspaceRuns,
    elsewhereFollower,
    ui,
    lossCurves,
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
  context.subscriptions.push(runsTable, { dispose: () => runsTableSource.dispose() });
  const commands = commandHandlers({
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
  return {
    api: { runs: model, training, workspaceRuns, tree, lossCurves, runsTable, prompts, configDiagnostics, ui },
    commands,
    firstListing: workspaceRuns.scan(),
    shutdown: () => training.shutdown(3000),
    reading: {
      configProblems,
      isRefusal: (err): err is ReadRefusedError => err instanceof ReadRefusedError,
      refusedConfigText,
    },
    inspect: new CheckpointInspectProvider(),
  };
}
