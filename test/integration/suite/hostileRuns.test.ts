/**
 * Hostile run folders in the real host (issue 15): while the Runs tree lists a workspace holding a
 * pickle-bomb optimizer.pt, a trainer state nested a million deep, a manifest over its size limit, a
 * metrics.jsonl with a 4 MB line and a run.json that is a FIFO, a command still answers within 1 s
 * (the reads run in the reader workers, not on the host's thread); refused runs show
 * "unreadable: <reason>" and the others list as usual.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import {
  writeDeepStateRun,
  writeFifoRecordRun,
  writeGoodHfRun,
  writeOversizedNativeRun,
  writePickleBombRun,
} from '../../support/hostileRuns';
import { COMMANDS } from '../../../src/extension/commands/ids';

const extensionId = 'training-runs.training-runs';
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const runsDir = path.join(workspace, 'hostile-suite', 'runs');
const dirs = {
  good: path.join(runsDir, 'good'),
  bomb: path.join(runsDir, 'pickle-bomb'),
  deep: path.join(runsDir, 'deep-state'),
  oversized: path.join(runsDir, 'oversized'),
  fifo: path.join(runsDir, 'fifo-record'),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hostile runs: the host stays responsive and refused runs say why', function () {
  this.timeout(300_000);
  let api: TrainingRunsApi;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate();
    writeGoodHfRun(dirs.good);
    writePickleBombRun(dirs.bomb);
    writeDeepStateRun(dirs.deep);
    writeOversizedNativeRun(dirs.oversized);
    writeFifoRecordRun(dirs.fifo);
  });
  after(async () => {
    await vscode.workspace
      .getConfiguration('trainingRuns')
      .update('readTimeBudgetSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    // The suites after this one list the workspace without these runs.
    rmSync(runsDir, { recursive: true, force: true });
    await api.workspaceRuns.scan();
  });

  /**
   * The slowest answer and the longest gap between answers of a command asked every 20 ms while
   * `busy`. Copy Checkpoint Path with no checkpoint answers in the extension host itself (no
   * clipboard, no round trip to the window), so it measures the host's thread alone.
   */
  async function answerTimes(busy: () => boolean): Promise<{ answers: number[]; worst: number; worstGap: number }> {
    const answers: number[] = [];
    let worstGap = 0;
    let last = performance.now();
    while (busy()) {
      const asked = performance.now();
      assert.equal(await vscode.commands.executeCommand(COMMANDS.copyCheckpointPath), undefined);
      const answered = performance.now();
      answers.push(answered - asked);
      // A read on the host's thread would also delay the loop between commands: the gap catches it.
      worstGap = Math.max(worstGap, answered - last);
      last = answered;
      await sleep(20);
    }
    return { answers, worst: Math.max(...answers), worstGap };
  }

  it('a command answers within 1 s while the hostile runs are listed', async () => {
    // The same commands with nothing listed, for the report: how loaded this machine is.
    const idleUntil = performance.now() + 3000;
    const idle = await answerTimes(() => performance.now() < idleUntil);
    let listing = true;
    const t0 = performance.now();
    const scan = api.workspaceRuns.scan({ exact: true }).finally(() => (listing = false));
    const { answers, worst, worstGap } = await answerTimes(() => listing);
    await scan;
    const listedMs = performance.now() - t0;
    console.log(
      `      [measure] listing the hostile workspace took ${listedMs.toFixed(0)} ms; ${answers.length} commands answered, slowest in ${worst.toFixed(0)} ms, longest gap between answers ${worstGap.toFixed(0)} ms (with nothing listed: slowest ${idle.worst.toFixed(0)} ms, longest gap ${idle.worstGap.toFixed(0)} ms)`,
    );
    assert.ok(answers.length >= 3, `the listing ended before the commands could be timed (${answers.length})`);
    assert.ok(worst < 1000, `a command took ${worst.toFixed(0)} ms while the hostile runs were listed`);
    // Reads on the host's thread stall it for seconds (the pickle bomb alone takes over 2 s of CPU).
    // On a loaded machine the host's timers lag by themselves: the bound is 1 s beyond the lag seen
    // with nothing listed (1 s on an idle machine).
    const bound = Math.max(1000, idle.worstGap + 1000);
    assert.ok(
      worstGap < bound,
      `the host did not answer for ${worstGap.toFixed(0)} ms while the hostile runs were listed (bound ${bound.toFixed(0)} ms)`,
    );
  });

  it('shows refused runs as "unreadable: <reason>" and lists the others', async () => {
    await api.workspaceRuns.scan({ exact: true });
    const runs = await api.tree.getChildren();
    const described = new Map(
      (runs ?? []).flatMap((n) =>
        n.kind === 'run' ? [[n.runDir, String(api.tree.getTreeItem(n).description ?? '')] as const] : [],
      ),
    );
    for (const dir of Object.values(dirs)) assert.ok(described.has(dir), `${dir} is not in the Runs tree`);
    assert.match(described.get(dirs.fifo) ?? '', /^unreadable: run\.json: not a regular file/);
    assert.doesNotMatch(described.get(dirs.good) ?? '', /unreadable/);
    assert.equal(api.runs.get(dirs.good)?.checkpoints[0]?.valid, true);
    // Over-limit files inside a checkpoint make that checkpoint invalid, naming the file; the run still lists.
    const oversized = api.runs.get(dirs.oversized)?.checkpoints[0];
    assert.equal(oversized?.valid, false);
    assert.match(oversized?.problems.join('\n') ?? '', /manifest\.json/);
    const deep = api.runs.get(dirs.deep)?.checkpoints[0];
    assert.match(deep?.problems.join('\n') ?? '', /trainer_state\.json/);
  });

  it('a run whose reading overruns the time budget shows "unreadable: took longer than …", then reads again under a larger one', async () => {
    const config = vscode.workspace.getConfiguration('trainingRuns');
    await config.update('readTimeBudgetSeconds', 0.3, vscode.ConfigurationTarget.Workspace);
    const t0 = performance.now();
    await api.runs.refresh(dirs.bomb);
    const refusedMs = performance.now() - t0;
    assert.equal(api.runs.get(dirs.bomb)?.unreadable, 'took longer than 300 ms');
    const item = api.tree.getTreeItem({ kind: 'run', runDir: dirs.bomb });
    assert.match(String(item.description), /^unreadable: took longer than 300 ms/);
    await config.update('readTimeBudgetSeconds', 600, vscode.ConfigurationTarget.Workspace);
    await api.runs.refresh(dirs.bomb);
    assert.equal(api.runs.get(dirs.bomb)?.unreadable, undefined);
    assert.match(
      JSON.stringify(api.runs.get(dirs.bomb)?.checkpoints[0]),
      /optimizer\.pt not read: .*pickle builds more than/,
    );
    console.log(`      [measure] pickle-bomb run refused in the host after ${refusedMs.toFixed(0)} ms (budget 300 ms)`);
  });

  it('times the refusal of each hostile case in the host under the default budget', async () => {
    await vscode.workspace
      .getConfiguration('trainingRuns')
      .update('readTimeBudgetSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    const timings: string[] = [];
    for (const [name, dir] of Object.entries(dirs)) {
      const t0 = performance.now();
      await api.runs.refresh(dir);
      const run = api.runs.get(dir);
      const why = run?.unreadable ?? run?.checkpoints.flatMap((c) => c.problems)[0] ?? 'read';
      timings.push(`${name} ${(performance.now() - t0).toFixed(0)} ms (${why.slice(0, 80)})`);
    }
    console.log(`      [measure] refused in the host, through the reader workers: ${timings.join('; ')}`);
  });
});
