// Entry point VS Code calls inside the extension host (extensionTestsPath), under code-server or
// @vscode/test-electron alike: runs every built `*.test.js` next to this file with mocha (bdd),
// writes {passes, failures, pending} to $TRAINING_RUNS_TEST_COUNTS, and rejects when a test failed.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export interface TestCounts {
  passes: number;
  failures: number;
  pending: number;
}

const defaultTestTimeoutMs = 60_000;

export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'bdd',
    reporter: 'spec',
    color: false,
    timeout: Number(process.env.TRAINING_RUNS_TEST_TIMEOUT_MS) || defaultTestTimeoutMs,
    ...(process.env.TRAINING_RUNS_TEST_GREP ? { grep: process.env.TRAINING_RUNS_TEST_GREP } : {}),
  });
  const testFiles = readdirSync(__dirname)
    .filter((name) => name.endsWith('.test.js'))
    .sort();
  for (const name of testFiles) mocha.addFile(join(__dirname, name));

  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const counts: TestCounts = {
          passes: runner.stats?.passes ?? 0,
          failures,
          pending: runner.stats?.pending ?? 0,
        };
        writeCounts(counts);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed.`));
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
