/**
 * Every command of the extension is implemented here (ids in commands/ids.ts, category "Training"
 * in package.json; extension.ts registers each id and forwards to these handlers). Commands accept optional arguments so they can be driven without quick picks
 * (keybindings, other extensions, tests), and every argument VS Code passes from the menus they are
 * contributed to (see commands/targets.ts): each one documents them and returns what it started or
 * changed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { CheckpointInfo } from '../core/checkpoint/types';
import { COMMANDS, type CommandId } from './commands/ids';
import { CONFIG_GLOB, lossCurvesPickItems, pickConfig, pickRunning, WORKSPACE_EXCLUDE } from './commands/pickers';
import { createResume } from './commands/resume';
import { commandTargets, firstPath, optionsArg, type CommandTarget } from './commands/targets';
import { trainPreflight } from './commands/trainPreflight';
import { isIdle } from './model/labels';
import { readRunRecord } from '../core/run/index';
import { DeleteRefusedError, deleteCheckpointFolder } from './model/safeDelete';
import { isProcessAlive } from '../core/checkpoint/lock';
import type { RunStore } from './store/runStore';
import type { RunView } from './store/runView';
import { BusyRunError, type TrainingHandle, type TrainingService } from './process/trainingService';
import type { TrainerExit } from './process/trainerProcess';
import { readSettings } from './settings';
import type { RunsTreeProvider } from './tree/runsTreeProvider';
import { CheckpointInspectProvider } from './ui/inspectDocument';
import type { Prompts } from './ui/prompts';
import type { TrainingSessionUi } from './ui/trainingSessionUi';
import type { WorkspaceRuns } from './store/workspaceRuns';

export interface LossCurvesOpener {
  show(runDirs: string[]): unknown;
  /** A run's folder was emptied for a fresh start: open panels drop its old curve and markers. */
  resetRun(runDir: string): unknown;
}

export interface CommandDeps {
  context: vscode.ExtensionContext;
  model: RunStore;
  training: TrainingService;
  tree: RunsTreeProvider;
  ui: TrainingSessionUi;
  prompts: Prompts;
  workspaceRuns: WorkspaceRuns;
  listCheckpoints(runDir: string): Promise<CheckpointInfo[]>;
  lossCurves: () => LossCurvesOpener;
  /** The "Compare Runs" table; absent in builds without it. */
  runsTable?: { show(): unknown };
}

export interface TrainOptions {
  /** Extra `--set key=value` overrides. */
  sets?: string[];
  /** The trainer's `-d`: a backend (cpu, wasm, webgpu[:N], tensorflow, tensorflow-gpu[:N]) or a GPU index; default: the trainingRuns.device setting. */
  device?: string;
}

export interface DeleteOptions {
  /** false skips the confirmation dialog (for scripted callers that confirmed themselves). */
  confirm?: boolean;
}

export type CommandHandler = (...args: unknown[]) => unknown;

/** The handler of every command id. */
export function commandHandlers(deps: CommandDeps): Map<CommandId, CommandHandler> {
  const { context, model, training, tree } = deps;
  const handlers = new Map<CommandId, CommandHandler>();
  const register = (id: CommandId, fn: CommandHandler) => handlers.set(id, fn);

  const runOfCheckpoint = (checkpointPath: string): RunView | undefined =>
    model.runs().find((r) => r.checkpoints.some((c) => c.path === checkpointPath));
  /** The runs the targets name: run and checkpoint nodes, run folders, checkpoint folders. */
  const runsOf = (targets: readonly CommandTarget[]): RunView[] => {
    const runs = targets.map((t) =>
      t.kind === 'node' ? tree.runOf(t.node) : (model.get(t.path) ?? runOfCheckpoint(t.path)),
    );
    return [...new Set(runs.filter((r): r is RunView => r !== undefined))];
  };
  /** A checkpoint node or a path (of a checkpoint folder) among the arguments. */
  const checkpointPathOf = (arg: unknown): string | undefined => {
    const [t] = commandTargets(arg);
    return t?.kind === 'path' ? t.path : t?.node.kind === 'checkpoint' ? t.node.path : undefined;
  };

  /** run.json says a live process trains there (read now: the model may not have seen it yet). */
  async function trainingElsewhere(dir: string): Promise<boolean> {
    const { record } = await readRunRecord(dir);
    return record?.status === 'training' && record.pid !== null && isProcessAlive(record.pid);
  }

  async function startTraining(
    configPath: string,
    sets: string[],
    device: string | undefined,
  ): Promise<TrainingHandle | undefined> {
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

  /** Settles resume_from_checkpoint with the user (trainPreflight.ts), then trains. */
  async function trainConfig(
    configPath: string,
    sets: string[],
    device: string | undefined,
  ): Promise<TrainingHandle | undefined> {
    const settled = await trainPreflight(configPath, sets, {
      prompts: deps.prompts,
      listCheckpoints: deps.listCheckpoints,
      isBusy: async (dir) => training.byRunDir(dir) !== undefined || (await trainingElsewhere(dir)),
      replaced: async (runDir) => {
        deps.lossCurves().resetRun(runDir);
        await model.reset(runDir);
      },
    });
    return settled ? startTraining(configPath, settled, device) : undefined;
  }

  /**
   * Train(config?: path | Uri | Uri[], options?: TrainOptions) → TrainingHandle | undefined. A tree
   * element (the view's Train button passes the focused one) or a file that is not YAML opens the picker.
   */
  register(COMMANDS.train, async (config?: unknown, options?: unknown) => {
    const given = firstPath(commandTargets(config));
    const configPath = given && /\.ya?ml$/i.test(given) ? given : await pickConfig();
    if (!configPath) return undefined;
    const { sets, device } = optionsArg<TrainOptions>(options, ['sets', 'device']);
    return trainConfig(
      configPath,
      Array.isArray(sets) ? sets.map(String) : [],
      typeof device === 'string' ? device : undefined,
    );
  });

  /** Trains the example project's train.yaml (welcome view button), copying the example in if needed. */
  register(COMMANDS.trainExample, async () => {
    const found = (await vscode.workspace.findFiles(CONFIG_GLOB, WORKSPACE_EXCLUDE)).map((u) => u.fsPath).sort();
    const train =
      found.find((p) => p.endsWith(`${path.sep}checkpointing${path.sep}configs${path.sep}train.yaml`)) ??
      found.find((p) => path.basename(p) === 'train.yaml');
    if (train) return trainConfig(train, [], undefined);
    const folder = vscode.workspace.workspaceFolders?.[0];
    const bundled = context.asAbsolutePath(path.join('examples', 'checkpointing'));
    if (!folder || !fs.existsSync(bundled)) {
      void vscode.window.showWarningMessage(
        'Training: open a folder with a configs/ folder of training configs, then run Train.',
      );
      return undefined;
    }
    const target = path.join(folder.uri.fsPath, 'checkpointing-example');
    const ok = await deps.prompts.choose(
      'information',
      `Copy the example project into ${target} and train it?`,
      {},
      'Copy and Train',
    );
    if (ok !== 'Copy and Train') return undefined;
    await fs.promises.cp(bundled, target, { recursive: true, filter: (src) => !src.includes(`${path.sep}runs`) });
    return trainConfig(path.join(target, 'configs', 'train.yaml'), [], undefined);
  });

  const resume = createResume({
    model,
    tree,
    prompts: deps.prompts,
    startTraining: (configPath, sets) => startTraining(configPath, sets, undefined),
  });
  register(COMMANDS.resume, (target?: unknown, checkpointArg?: unknown) => resume(target, checkpointArg));
  register(COMMANDS.resumeFromCheckpoint, (node?: unknown) => resume(node, undefined, { checkpointOnly: true }));

  /** Stop(run?: node | runDir) → TrainerExit[]: graceful stop, then kill after the stop timeout. */
  register(COMMANDS.stop, async (target?: unknown): Promise<TrainerExit[]> => {
    const run = runsOf(commandTargets(target))[0];
    let handles: TrainingHandle[] | undefined;
    if (run) handles = [training.byRunDir(run.dir)].filter((h): h is TrainingHandle => h !== undefined);
    else handles = await pickRunning(training.active());
    if (!handles || handles.length === 0) {
      const pid = run?.status === 'training' ? run.record?.pid : undefined;
      if (pid) {
        void vscode.window.showInformationMessage(
          `Training: ${run?.name} is trained by process ${pid} outside this window; stop it there (Ctrl+C, or kill -INT ${pid}): it saves a checkpoint first.`,
        );
      } else if (run || training.active().length === 0) {
        void vscode.window.showInformationMessage('Training: nothing is training in this window.');
      }
      return [];
    }
    return Promise.all(handles.map((h) => training.stop(h)));
  });
  register(COMMANDS.stopAll, () => training.stopAll());

  register(COMMANDS.refresh, () => deps.workspaceRuns.scan({ exact: true }));

  /** ShowLog(run?: node | runDir | config path): the run's output channel. */
  register(COMMANDS.showLog, async (target?: unknown) => {
    const targets = commandTargets(target);
    let k = runsOf(targets)[0]?.dir ?? firstPath(targets);
    if (!k) {
      const withLogs = model.runs().filter((r) => deps.ui.hasChannel(r.dir));
      k = (await vscode.window.showQuickPick(withLogs.map((r) => ({ label: r.name, description: r.dir }))))
        ?.description;
    }
    if (k) deps.ui.channelFor(k).show(true);
  });

  /** OpenLossCurves(runs?: node | runDir | (node | runDir)[]) → true when a panel opened. */
  register(COMMANDS.openLossCurves, async (target?: unknown, selection?: unknown) => {
    const panel = deps.lossCurves();
    const targets = commandTargets(selection ?? target);
    // Run folders not (yet) in the model are charted as given; tree elements that are no run open the picker.
    let dirs = [
      ...runsOf(targets).map((r) => r.dir),
      ...targets.flatMap((t) => (t.kind === 'path' && !model.get(t.path) && !runOfCheckpoint(t.path) ? [t.path] : [])),
    ];
    if (dirs.length === 0) {
      const picked = await vscode.window.showQuickPick(lossCurvesPickItems(model.runs()), {
        title: 'Open Loss Curves',
        canPickMany: true,
        placeHolder: 'Runs to chart',
      });
      dirs = (picked ?? []).map((p) => p.runDir);
    }
    if (dirs.length === 0) return false;
    await panel.show(dirs);
    return true;
  });

  /** DeleteCheckpoint(checkpoint: node | path, options?: DeleteOptions) → true when deleted. */
  register(COMMANDS.deleteCheckpoint, async (target?: unknown, options?: unknown) => {
    const checkpointPath = checkpointPathOf(target);
    if (!checkpointPath) return false;
    const run = runOfCheckpoint(checkpointPath) ?? model.get(path.dirname(path.dirname(checkpointPath)));
    if (run && !isIdle(run)) {
      void vscode.window.showErrorMessage(
        `Training: ${run.name} is training; stop it before deleting its checkpoints.`,
      );
      return false;
    }
    if (optionsArg<DeleteOptions>(options, ['confirm']).confirm !== false) {
      const answer = await deps.prompts.choose(
        'warning',
        `Delete ${path.basename(checkpointPath)}${run ? ` of ${run.name}` : ''}?`,
        { modal: true, detail: `The folder ${checkpointPath} and everything in it will be deleted permanently.` },
        'Delete',
      );
      if (answer !== 'Delete') return false;
    }
    try {
      await deleteCheckpointFolder(
        checkpointPath,
        model.runs().map((r) => r.dir),
      );
    } catch (err) {
      const message =
        err instanceof DeleteRefusedError
          ? err.message
          : `could not delete ${checkpointPath}: ${(err as Error).message}`;
      void vscode.window.showErrorMessage(`Training: ${message}`);
      return false;
    } finally {
      if (run) await model.refresh(run.dir);
    }
    return true;
  });

  /** CompareRuns() → the runs table panel (palette, the Runs view's title bar). */
  register(COMMANDS.compareRuns, () => deps.runsTable?.show());

  register(COMMANDS.revealCheckpoint, async (target?: unknown) => {
    const p = checkpointPathOf(target);
    if (p) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(p));
    return p;
  });

  register(COMMANDS.copyCheckpointPath, async (target?: unknown) => {
    const p = checkpointPathOf(target);
    if (p) await vscode.env.clipboard.writeText(p);
    return p;
  });

  /** InspectCheckpoint(checkpoint: node | path) → the opened read-only document. */
  register(COMMANDS.inspectCheckpoint, async (target?: unknown) => {
    const p = checkpointPathOf(target);
    if (!p) return undefined;
    const doc = await vscode.workspace.openTextDocument(CheckpointInspectProvider.uriFor(p));
    const json = await vscode.languages.setTextDocumentLanguage(doc, 'json');
    await vscode.window.showTextDocument(json, { preview: true });
    return json;
  });
  return handlers;
}
