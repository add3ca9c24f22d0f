/**
 * Entry point. Activation does only what the window needs before anything is used: it registers
 * every command, the Runs view, the panels' serializers, the inspect documents and the config
 * diagnostics. Each forwards to the extension's services (services.ts), which are created on first
 * use: the Runs view shown, a command run, a panel restored, the API read. So activation loads
 * neither zod nor YAML, the readers, the run store nor the panels (test/unit/extension/activation.test.ts
 * checks the modules it loads), and never tfjs (the trainer runs in its own process).
 */
import * as vscode from 'vscode';
import { COMMANDS } from './commands/ids';
import { INSPECT_SCHEME, LOSS_CURVES_VIEW_TYPE, RUNS_TABLE_VIEW_TYPE } from './contributionIds';
import type { LossCurvesManager } from './lossCurves/lossCurvesManager';
import type { TrainingService } from './process/trainingService';
import type { RunsTable } from './runsTable/runsTable';
import type { Services } from './services';
import type { RunStore } from './store/runStore';
import type { WorkspaceRuns } from './store/workspaceRuns';
import { DeferredTreeDataProvider } from './tree/deferredTree';
import type { RunsTreeProvider } from './tree/runsTreeProvider';
import { ConfigDiagnostics } from './ui/configDiagnostics';
import type { Prompts } from './ui/prompts';
import type { TrainingSessionUi } from './ui/trainingSessionUi';

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

/** The API's members that are services (created on first read). */
const SERVICE_KEYS: readonly Exclude<keyof TrainingRunsApi, 'configDiagnostics'>[] = [
  'runs',
  'training',
  'workspaceRuns',
  'tree',
  'lossCurves',
  'prompts',
  'ui',
  'runsTable',
];

let created: Services | undefined;

export function activate(context: vscode.ExtensionContext): TrainingRunsApi {
  // Required, not imported: a bundle of its own (dist/services.js, scripts/build.mjs), loaded and
  // evaluated on this first call only, so activation parses none of it.
  const services = (): Services =>
    (created ??= (require('./services') as typeof import('./services')).createServices(context, configDiagnostics));
  const configDiagnostics: ConfigDiagnostics = new ConfigDiagnostics(() => services().reading);
  const tree = new DeferredTreeDataProvider(() => services().api.tree);
  context.subscriptions.push(
    configDiagnostics,
    tree,
    vscode.window.createTreeView('trainingRuns.runs', { treeDataProvider: tree, showCollapseAll: true }),
    vscode.window.registerWebviewPanelSerializer(LOSS_CURVES_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) => services().api.lossCurves.deserializeWebviewPanel(panel, state),
    }),
    vscode.window.registerWebviewPanelSerializer(RUNS_TABLE_VIEW_TYPE, {
      deserializeWebviewPanel: (panel) => services().api.runsTable.deserializeWebviewPanel(panel),
    }),
    vscode.workspace.registerTextDocumentContentProvider(INSPECT_SCHEME, {
      provideTextDocumentContent: (uri, token) => services().inspect.provideTextDocumentContent(uri, token),
    }),
  );
  for (const id of Object.values(COMMANDS))
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        const { commands, firstListing } = services();
        await firstListing.catch(() => undefined);
        return commands.get(id)?.(...args);
      }),
    );
  // Reading one of the services' members of the API creates them.
  return Object.defineProperties(
    { configDiagnostics },
    Object.fromEntries(SERVICE_KEYS.map((key) => [key, { enumerable: true, get: () => services().api[key] }])),
  ) as TrainingRunsApi;
}

/** Window closing: trainers get a short grace period to save, then are killed (none outlives the window). */
export async function deactivate(): Promise<void> {
  await created?.shutdown();
}
