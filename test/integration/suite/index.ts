// Entry point VS Code calls inside the extension host (extensionTestsPath), under code-server or
// @vscode/test-electron alike: runs every built `*.test.js` next to this file with mocha (bdd),
// writes {passes, failures, pending} to $TRAINING_RUNS_TEST_COUNTS, and rejects when a test failed.
// When a test asked for a window reload (reload.ts), the pass ends in a reload instead and the next
// pass, after it, runs the tests asked for and reports the counts of both.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import {
  AFTER_RELOAD_TAG,
  clearReloadState,
  countsOfBothPasses,
  readReloadState,
  takeReloadRequests,
  writeReloadState,
  type PassCounts,
} from './reload';

export type TestCounts = PassCounts;

const defaultTestTimeoutMs = 60_000;

export function run(): Promise<void> {
  const beforeReload = readReloadState();
  const grep = beforeReload ? AFTER_RELOAD_TAG : process.env.TRAINING_RUNS_TEST_GREP;
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.TRAINING_RUNS_TEST_TIMEOUT_MS) || defaultTestTimeoutMs,
    ...(grep ? { grep } : {}),
  });
  const testFiles = readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  for (const name of testFiles) mocha.addFile(join(__dirname, name));

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const pass: TestCounts = {
          passes: runner.stats?.passes ?? 0,
          failures,
          pending: runner.stats?.pending ?? 0,
        };
        const requested = takeReloadRequests();
        if (!beforeReload && requested.length > 0) {
          // The host ends with the window; the pass after the reload settles the run.
          writeReloadState({ counts: pass, requested });
          console.log(`reloading the window for: ${requested.join('; ')}`);
          void vscode.commands.executeCommand('workbench.action.reloadWindow');
          return;
        }
        if (beforeReload) clearReloadState();
        const counts = beforeReload ? countsOfBothPasses(beforeReload, pass) : pass;
        writeCounts(counts);
        if (counts.failures > 0) reject(new Error(`${counts.failures} integration test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      // A suite that throws while loading never reaches the callback: count it as a failure.
      writeCounts({ passes: 0, failures: 1, pending: 0 });
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}

function writeCounts(counts: TestCounts): void {
  const file = process.env.TRAINING_RUNS_TEST_COUNTS;
  if (file) writeFileSync(file, `${JSON.stringify(counts)}\n`);
}
