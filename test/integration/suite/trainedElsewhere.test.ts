/**
 * A run trained from a terminal into a folder VS Code's watcher does not see (made with its parent,
 * which the recursive watcher on Linux does not always watch; here kept from it with
 * files.watcherExclude, so that it is blind every time): the Runs view still finds it without
 * Refresh, shows it finished once its run.json says so, failed once its trainer dies, and lets it
 * go once its folder is deleted, in the real host.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import { COMMANDS } from '../../../src/extension/commands/ids';
import { blindFolder, unblindFolders } from './blindFolder';
import { until } from './until';

describe('Runs trained outside this window, in a folder the watcher does not see', function () {
  this.timeout(120_000);
  let api: TrainingRunsApi;
  let root: string;
  const trainers: ChildProcess[] = [];
  /** A process standing in for a trainer started in a terminal. */
  const trainer = (): ChildProcess => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    trainers.push(child);
    return child;
  };

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>('training-runs.training-runs')!.activate();
    root = join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'elsewhere-suite');
    // The services (and their first search of the workspace) start on first use: before the runs exist.
    await api.workspaceRuns.scan();
    await blindFolder('**/elsewhere-suite/**', root);
  });

  after(async () => {
    for (const t of trainers) t.kill();
    await unblindFolders();
    rmSync(root, { recursive: true, force: true });
  });

  const startRun = async (name: string): Promise<{ dir: string; pid: number }> => {
    const dir = join(root, 'runs', name);
    mkdirSync(dir, { recursive: true });
    const pid = trainer().pid!;
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ name, status: 'training', pid }));
    await vscode.commands.executeCommand(COMMANDS.refresh);
    await until(`${name} training in the store`, () => (api.runs.get(dir)?.status === 'training' ? true : undefined));
    return { dir, pid };
  };

  it('finds it without Refresh, and lets it go once its folder is deleted', async () => {
    const dir = join(root, 'runs', 'unannounced');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ name: 'unannounced', status: 'finished', pid: null }));
    await until('the run in the store', () => api.runs.get(dir), 40_000);
    rmSync(dir, { recursive: true, force: true });
    await until('the run gone from the store', () => (api.runs.get(dir) ? undefined : true), 40_000);
  });

  it('shows it finished once its run.json says so', async () => {
    const { dir, pid } = await startRun('finishes');
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ name: 'finishes', status: 'finished', pid }));
    await until(
      'the run finished in the store',
      () => (api.runs.get(dir)?.status === 'finished' ? true : undefined),
      30_000,
    );
  });

  it('shows it failed once its trainer dies, run.json still saying training', async () => {
    const { dir } = await startRun('killed');
    trainers.at(-1)!.kill('SIGKILL');
    await until(
      'the run failed in the store',
      () => (api.runs.get(dir)?.status === 'failed' ? true : undefined),
      30_000,
    );
    assert.match(api.runs.get(dir)?.statusDetail ?? '', /no longer running/);
  });
});
