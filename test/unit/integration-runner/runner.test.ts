// Proves that the integration runner fails when it should, end to end in a real host
// (code-server + Chromium): a deliberately failing suite and a suite with no test.
// Both runs start in parallel to keep this file to one host start-up (~10-20 s).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../../..');
const runCli = join(repoRoot, 'test/integration/runner/run.mjs');

interface CliRun {
  code: number | null;
  output: string;
  counts: { passes: number; failures: number; pending: number };
}

function runRunner(testsDir: string, countsFile: string): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    // --no-build: these fixtures never touch the extension, and dist/ belongs to the main build.
    const child = spawn(
      process.execPath,
      [runCli, '--no-build', '--tests', testsDir, '--counts', countsFile, '--timeout', '120'],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolvePromise({ code, output, counts: JSON.parse(readFileSync(countsFile, 'utf8')) });
      } catch (err) {
        reject(new Error(`runner wrote no readable counts to ${countsFile} (exit ${code}): ${String(err)}\n${output}`));
      }
    });
  });
}

describe('integration runner in a real host', function () {
  this.timeout(300_000);
  let temp: string;
  let failing: CliRun;
  let empty: CliRun;

  before(async () => {
    // Installs code-server on first use (about a minute), then reuses it.
    const setup = spawnSync(process.execPath, [join(repoRoot, 'scripts/setup-test-host.mjs')], { encoding: 'utf8' });
    assert.equal(setup.status, 0, `setup-test-host failed:\n${setup.stdout}${setup.stderr}`);
    temp = mkdtempSync(join(tmpdir(), 'training-runs-runner-test-'));
    [failing, empty] = await Promise.all([
      runRunner(join(repoRoot, 'test/integration/fixtures/failing-suite'), join(temp, 'failing.json')),
      runRunner(join(repoRoot, 'test/integration/fixtures/empty-suite'), join(temp, 'empty.json')),
    ]);
  });

  after(() => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('exits non-zero and counts the failure when a suite fails', () => {
    assert.notEqual(failing.code, 0, failing.output);
    assert.ok(
      failing.counts.failures >= 1,
      `expected failures >= 1, got ${JSON.stringify(failing.counts)}\n${failing.output}`,
    );
    // The passing test of the same suite ran too: the failure came from the suite, not from the host.
    assert.equal(failing.counts.passes, 1, failing.output);
    assert.match(failing.output, /fails on purpose/);
  });

  it('exits non-zero when no test ran', () => {
    assert.notEqual(empty.code, 0, empty.output);
    assert.deepEqual(empty.counts, { passes: 0, failures: 0, pending: 0 });
    assert.match(empty.output, /no test ran/);
  });
});
