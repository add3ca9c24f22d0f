/** Quick picks for Train, Resume and Stop. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isIdle, resumeLabel } from '../model/labels';
import type { RunStore } from '../store/runStore';
import { latestValidCheckpoint, type CheckpointView, type RunView } from '../store/runView';
import type { TrainingHandle } from '../process/trainingService';
import { resolveTrainerLaunch } from '../process/launch';
import { readSettings, SETTINGS_SECTION } from '../settings';
import { WORKSPACE_EXCLUDE } from '../model/discovery';
import { configFacts, ReadRefusedError } from '../reading';
import { refusedConfigText, type ConfigFacts } from './configFacts';
import { type AvailableBackends, deviceChoices, queryAvailableBackends } from './availableBackends';

/** publisher.name from package.json: finds the installed extension's dist/trainer.js. */
const EXTENSION_ID = 'training-runs.training-runs';

export { WORKSPACE_EXCLUDE } from '../model/discovery';
export { lossCurvesPickItems } from '../model/labels';
export const CONFIG_GLOB = '**/configs/**/*.{yaml,yml}';

const isYaml = (p: string) => /\.ya?ml$/i.test(p);

/** YAML configs under `configs/` folders, the active YAML editor's file first. */
export async function pickConfig(): Promise<string | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  const activePath =
    active && active.uri.scheme === 'file' && isYaml(active.uri.fsPath) ? active.uri.fsPath : undefined;
  const found = (await vscode.workspace.findFiles(CONFIG_GLOB, WORKSPACE_EXCLUDE)).map((u) => u.fsPath).sort();
  const paths = activePath ? [activePath, ...found.filter((p) => p !== activePath)] : found;
  if (paths.length === 0) {
    void vscode.window.showWarningMessage(
      'Training: no configs found. Put YAML training configs in a configs/ folder, or open one and run Train again.',
    );
    return undefined;
  }
  type Item = vscode.QuickPickItem & { configPath?: string };
  // Read in the reader workers: a hostile config is refused within the read time budget. The pick
  // shows at once (busy) and fills in when every config's facts are read.
  const listed = Promise.all(
    paths.map((p) =>
      configFacts(p).catch((err: Error): ConfigFacts => ({
        builtIn: true,
        text: `unreadable: ${err instanceof ReadRefusedError ? refusedConfigText(p, err.reason, err.byLoad) : err.message}`,
      })),
    ),
  ).then((facts) => ({
    items: paths.map((p, i): Item => ({
      label: path.basename(p),
      description: vscode.workspace.asRelativePath(path.dirname(p)),
      detail: [p === activePath ? 'active editor' : null, facts[i]!.text].filter((d) => d !== null).join(' · '),
      configPath: p,
    })),
    // The Device choice is for the built-in trainer only: an external command picks its own devices.
    deviceApplies: facts.some((f) => f.builtIn),
  }));
  // Last, so Enter still trains the first config: where runs train, and which backends work here.
  for (;;) {
    const device = readSettings().device;
    const deviceItem: Item = {
      label: `$(chip) Device: ${device === '' ? "the config's backend" : device}`,
      description: 'for TensorFlow.js configs: change it (shows which backends work on this machine)',
      alwaysShow: true,
    };
    const shown: Thenable<Item[]> = listed.then(({ items, deviceApplies }) =>
      deviceApplies ? [...items, { label: '', kind: vscode.QuickPickItemKind.Separator }, deviceItem] : items,
    );
    const choice = await vscode.window.showQuickPick<Item>(shown, {
      title: 'Train',
      placeHolder: 'Choose a training config',
    });
    if (choice !== deviceItem) return choice?.configPath;
    const picked = await pickDevice(availableBackendsOnce, device);
    // The trainingRuns.device setting is what new runs use (`-d`); set for this workspace.
    if (picked !== undefined && picked !== device)
      await vscode.workspace
        .getConfiguration(SETTINGS_SECTION)
        .update('device', picked, vscode.ConfigurationTarget.Workspace);
  }
}

let availableBackends: Promise<AvailableBackends> | null = null;

/** Asked of the trainer once per session, on first use (never at activation), with a run's launch. */
function availableBackendsOnce(): Promise<AvailableBackends> {
  availableBackends ??= (() => {
    const script = path.join(
      vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath ?? path.join(__dirname, '..'),
      'dist',
      'trainer.js',
    );
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? path.dirname(script);
    const launch = resolveTrainerLaunch(
      { configPath: path.join(cwd, 'configs', 'probe.yaml'), sets: [], device: '' },
      { nodePath: readSettings().nodePath, trainerScript: script },
      { execPath: process.execPath, electronVersion: process.versions.electron, env: process.env },
    );
    const probe = queryAvailableBackends({
      execPath: launch.execPath,
      script: launch.script,
      cwd: launch.cwd,
      env: launch.env,
    });
    probe.catch(() => (availableBackends = null)); // ask again next time after a failure
    return probe;
  })();
  return availableBackends;
}

/** "run · checkpoint-500 · 3 min ago · loss 0.41" per resumable run, and "Choose a checkpoint..." for any other. */
/** A run's latest checkpoint (`chosen` false: plain Resume), or one chosen from all of them. */
export async function pickResumeTarget(
  model: RunStore,
): Promise<{ run: RunView; checkpoint: CheckpointView; chosen: boolean } | undefined> {
  const runs = model.runs().filter((r) => isIdle(r) && r.record?.configPath && latestValidCheckpoint(r));
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(
      'Training: no run has a valid checkpoint to resume from (runs that are training cannot be resumed).',
    );
    return undefined;
  }
  type Item = vscode.QuickPickItem & { target?: { run: RunView; checkpoint: CheckpointView } };
  const items: Item[] = runs.map((run) => {
    const checkpoint = latestValidCheckpoint(run)!;
    return {
      label: resumeLabel(run, checkpoint),
      description: vscode.workspace.asRelativePath(run.dir),
      target: { run, checkpoint },
    };
  });
  items.push({ label: 'Choose a checkpoint...', description: 'any valid checkpoint of any run', alwaysShow: true });
  const choice = await vscode.window.showQuickPick(items, {
    title: 'Resume',
    placeHolder: 'Resume a run from its latest valid checkpoint',
  });
  if (!choice) return undefined;
  if (choice.target) return { ...choice.target, chosen: false };
  const all: Item[] = runs.flatMap((run) =>
    run.checkpoints
      .filter((c) => c.valid)
      .map((checkpoint) => ({
        label: resumeLabel(run, checkpoint),
        description: checkpoint.path,
        target: { run, checkpoint },
      })),
  );
  const chosen = (
    await vscode.window.showQuickPick(all, { title: 'Resume from a checkpoint', matchOnDescription: true })
  )?.target;
  return chosen && { ...chosen, chosen: true };
}

/** One running trainer, or all of them. */
export async function pickRunning(active: TrainingHandle[]): Promise<TrainingHandle[] | undefined> {
  if (active.length <= 1) return active;
  type Item = vscode.QuickPickItem & { handles: TrainingHandle[] };
  const items: Item[] = active.map((h) => ({
    label: path.basename(h.runDir ?? h.request.configPath),
    description: h.runDir ?? h.request.configPath,
    handles: [h],
  }));
  items.push({ label: 'All runs', description: `${active.length} trainers`, handles: active });
  return (
    await vscode.window.showQuickPick(items, {
      title: 'Stop',
      placeHolder: 'Which run should stop (it saves a checkpoint first)?',
    })
  )?.handles;
}

/**
 * The device for a run, with which backends work here (asked of the trainer lazily, while the pick
 * shows as busy). Returns the `-d` value ('' = the config's backend), or undefined when dismissed.
 */
export async function pickDevice(load: () => Promise<AvailableBackends>, current: string): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { device: string };
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = 'Train on';
  pick.placeholder = 'Checking which backends work on this machine...';
  pick.busy = true;
  pick.show();
  try {
    const report = await load();
    pick.items = deviceChoices(report).map((c) => ({
      label: c.label,
      description: c.description,
      device: c.device,
      picked: c.device === current,
    }));
    pick.placeholder = `Choose a backend (auto picks ${report.auto ?? 'nothing here'})`;
  } catch (error) {
    pick.items = [{ label: "Config's backend", description: (error as Error).message, device: '' }];
  } finally {
    pick.busy = false;
  }
  return new Promise((resolve) => {
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0]?.device);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
  });
}
