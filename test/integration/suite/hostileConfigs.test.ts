/**
 * Hostile training configs in the real host (issue 15): while the Train quick pick reads every
 * config's facts and the Problems panel checks a billion-laughs config, one nested 100,000 deep and
 * one too slow to parse within the read time budget, a command still answers within 1 s (the
 * configs are parsed in the reader workers); the Problems panel shows each refusal with its fix.
 */
import assert from 'node:assert/strict';
import { COMMANDS } from '../../../src/extension/commands/ids';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import { answerTimes, assertResponsive, idleAnswerTimes } from './answerTimes';
import { until } from './until';
import { billionLaughs, slowConfig } from '../../support/hostileConfigs';

const extensionId = 'training-runs.training-runs';
const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const projectDir = path.join(workspace, 'hostile-configs');
const configs = path.join(projectDir, 'configs');
const files = {
  laughs: path.join(configs, 'laughs.yaml'),
  deep: path.join(configs, 'deep.yaml'),
  slow: path.join(configs, 'slow.yaml'),
};
/** Over the billion-laughs refusal (about 1 s on a loaded 2-core machine), far under the slow parse. */
const BUDGET_S = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const messagesOf = (file: string) =>
  vscode.languages
    .getDiagnostics(vscode.Uri.file(file))
    .filter((d) => d.source === 'Training Runs')
    .map((d) => d.message);

describe('hostile configs: the host stays responsive and the Problems panel says why', function () {
  this.timeout(300_000);
  let api: TrainingRunsApi;

  before(async () => {
    api = await vscode.extensions.getExtension<TrainingRunsApi>(extensionId)!.activate();
    mkdirSync(configs, { recursive: true });
    writeFileSync(files.laughs, billionLaughs(8));
    writeFileSync(files.deep, `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    writeFileSync(files.slow, slowConfig(1_000_000)); // tens of seconds to parse, far over the budget
    await vscode.workspace
      .getConfiguration('trainingRuns')
      .update('readTimeBudgetSeconds', BUDGET_S, vscode.ConfigurationTarget.Workspace);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace
      .getConfiguration('trainingRuns')
      .update('readTimeBudgetSeconds', undefined, vscode.ConfigurationTarget.Workspace);
    // Later suites' Train picks list the workspace's configs without these.
    rmSync(projectDir, { recursive: true, force: true });
  });

  it('a command answers within 1 s while the Train pick and the diagnostics read hostile configs; the Problems panel shows each refusal', async () => {
    const idle = await idleAnswerTimes();
    const t0 = performance.now();
    let trainSettled = false;
    // The Train pick reads every config's facts (these three included) before it shows.
    const train = vscode.commands.executeCommand(COMMANDS.train).then(
      () => (trainSettled = true),
      () => (trainSettled = true),
    );
    const docs = await Promise.all(Object.values(files).map((f) => vscode.workspace.openTextDocument(f)));
    let checking = true;
    const checks = Promise.all(docs.map((doc) => api.configDiagnostics.check(doc))).finally(() => (checking = false));
    const busy = await answerTimes(() => checking);
    const checkedMs = performance.now() - t0;
    // Close the Train pick once it has shown (it shows when every config's facts are read or refused).
    for (let i = 0; !trainSettled && i < 60; i++) {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      await Promise.race([train, sleep(1000)]);
    }
    assert.ok(trainSettled, 'the Train pick never showed (or never closed)');
    await checks;
    console.log(
      `      [measure] checking the hostile configs took ${checkedMs.toFixed(0)} ms; ${busy.answers.length} commands answered, slowest in ${busy.worst.toFixed(0)} ms, longest gap ${busy.worstGap.toFixed(0)} ms (idle: slowest ${idle.worst.toFixed(0)} ms, longest gap ${idle.worstGap.toFixed(0)} ms)`,
    );
    assertResponsive(busy, idle, 'the hostile configs were read');

    await until('the Problems panel to show the three refusals', () =>
      Object.values(files).every((f) => messagesOf(f).length > 0) ? true : undefined,
    );
    assert.match(messagesOf(files.laughs).join('\n'), /YAML aliases expand too far.*write the values out instead/);
    assert.match(
      messagesOf(files.deep).join('\n'),
      /the YAML is nested too deeply to read; expected at most 64 levels/,
    );
    assert.deepEqual(messagesOf(files.slow), [
      `slow.yaml could not be read: took longer than ${BUDGET_S} s; make it smaller, or raise the "trainingRuns.readTimeBudgetSeconds" setting`,
    ]);
  });
});
