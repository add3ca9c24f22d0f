// Runs inside the VS Code host that bench/scale/scale.ts launches on the scale workspace (1,000 runs
// of 20 checkpoints and 50 Hugging Face runs): activates Training Runs, times the Runs tree until it
// lists every run with its facts, then trains one small run twice (Runs view open, side bar closed)
// and records the host's CPU per checkpoint saved. Uses only what every build since the first
// scale bench has: the extension's `tree` (getChildren/getTreeItem) and the Train command.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID, SCALE_ENV, type SavePhase, type ScaleReport } from '../scaleReport';

interface TreeLike {
  getChildren(node?: unknown): vscode.ProviderResult<unknown[]>;
  getTreeItem(node: unknown): vscode.TreeItem | Thenable<vscode.TreeItem>;
}
interface ApiLike {
  tree: TreeLike;
}
interface HandleLike {
  exited: Promise<unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
const mb = (bytes: number) => bytes / 2 ** 20;

async function runRows(tree: TreeLike): Promise<unknown[]> {
  const roots = (await tree.getChildren()) ?? [];
  return roots.filter((n) => (n as { kind?: unknown }).kind === 'run');
}

/** A row is ready once it shows more than its name: a status or checkpoint facts in its description. */
async function rowsReady(tree: TreeLike, rows: unknown[]): Promise<boolean> {
  for (const row of rows) {
    const item = await tree.getTreeItem(row);
    if (typeof item.description !== 'string' || !/\d/.test(item.description)) return false;
  }
  return true;
}

async function trainOnce(config: string, tree: SavePhase['tree'], outputDir: string): Promise<SavePhase> {
  if (tree === 'open') await vscode.commands.executeCommand('trainingRuns.runs.focus');
  else await vscode.commands.executeCommand('workbench.action.closeSidebar');
  // Let the view's first rendering finish, then measure what the idle host spends anyway.
  await sleep(5000);
  const idle0 = process.cpuUsage();
  const idleStart = performance.now();
  await sleep(5000);
  const idleRate = cpuMs(process.cpuUsage(idle0)) / (performance.now() - idleStart);
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  const handle = await vscode.commands.executeCommand<HandleLike | undefined>('trainingRuns.train', config, {
    sets: [`output_dir=${outputDir}`],
    device: 'cpu',
  });
  assert.ok(handle, 'Train returned no handle');
  await handle.exited;
  await sleep(3000); // the watcher's and the tree's follow-up work after the last save
  const wallMs = performance.now() - w0;
  const hostCpuMs = cpuMs(process.cpuUsage(c0));
  const saves = readdirSync(path.join(outputDir, 'checkpoints')).filter((n) => /^checkpoint-\d+$/.test(n)).length;
  return { tree, saves, hostCpuMs, wallMs, idleCpuMs: idleRate * wallMs };
}

describe('bench: Training Runs at scale', function () {
  this.timeout(30 * 60_000);
  it('activates, lists every run, and saves checkpoints beside 1,000 runs', async () => {
    const out = process.env[SCALE_ENV.out];
    const expected = Number(process.env[SCALE_ENV.expectedRuns]);
    const config = process.env[SCALE_ENV.liveConfig];
    assert.ok(out && expected > 0 && config, 'scale bench environment is not set');
    const extension = vscode.extensions.getExtension<ApiLike>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded in this host`);
    await sleep(Number(process.env[SCALE_ENV.settleMs] ?? 3000));
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const api = await extension.activate();
    const activationMs = performance.now() - t0;
    await vscode.commands.executeCommand('trainingRuns.runs.focus');
    let rows: unknown[] = [];
    let runsListedMs = 0;
    for (;;) {
      rows = await runRows(api.tree);
      if (rows.length >= expected) break;
      if (performance.now() - t0 > 20 * 60_000)
        throw new Error(`the tree listed ${rows.length} of ${expected} runs after 20 min`);
      await sleep(20);
    }
    runsListedMs = performance.now() - t0;
    while (!(await rowsReady(api.tree, rows))) {
      if (performance.now() - t0 > 20 * 60_000) throw new Error('run rows had no facts after 20 min');
      await sleep(50);
      rows = await runRows(api.tree);
    }
    const rowsReadyMs = performance.now() - t0;
    const listingCpuMs = cpuMs(process.cpuUsage(cpu0));
    const memory = process.memoryUsage();
    const live = path.join(path.dirname(path.dirname(config)), 'runs-live');
    const saves = [
      await trainOnce(config, 'open', path.join(live, 'tree-open')),
      await trainOnce(config, 'closed', path.join(live, 'tree-closed')),
    ];
    const report: ScaleReport = {
      runsListed: rows.length,
      activationMs,
      runsListedMs,
      rowsReadyMs,
      listingCpuMs,
      heapUsedMb: mb(memory.heapUsed),
      heapDeltaMb: mb(memory.heapUsed - heap0),
      rssMb: mb(memory.rss),
      saves,
    };
    writeFileSync(out, JSON.stringify(report));
  });
});
