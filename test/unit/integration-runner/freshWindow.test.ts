// Activation events, in a real host (code-server + Chromium) started for this one suite, so that
// nothing else has activated the extension: test/integration/fixtures/fresh-window-suite.
// Uses the built extension (dist/), as the integration layer does.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(__dirname, '../../..');

describe('a fresh window of the real host', function () {
  this.timeout(300_000);
  let temp = '';
  after(() => temp && rmSync(temp, { recursive: true, force: true }));

  it('activates the extension when a config is opened, and shows its problems', async () => {
    assert.ok(existsSync(join(repoRoot, 'dist', 'extension.js')), 'build the extension first (npm run build:dev)');
    const setup = spawnSync(process.execPath, [join(repoRoot, 'scripts/setup-test-host.mjs')], { encoding: 'utf8' });
    assert.equal(setup.status, 0, `setup-test-host failed:\n${setup.stdout}${setup.stderr}`);
    temp = mkdtempSync(join(tmpdir(), 'training-runs-fresh-window-'));
    const counts = join(temp, 'counts.json');
    const tests = join(repoRoot, 'test/integration/fixtures/fresh-window-suite');
    const output = await new Promise<{ code: number | null; text: string }>((done, reject) => {
      // --no-build: dist/ belongs to the main build.
      const child = spawn(
        process.execPath,
        [
          join(repoRoot, 'test/integration/runner/run.mjs'),
          '--no-build',
          '--tests',
          tests,
          '--counts',
          counts,
          '--timeout',
          '240',
        ],
        { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr.on('data', (c: Buffer) => (text += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => done({ code, text }));
    });
    const result = JSON.parse(readFileSync(counts, 'utf8')) as { passes: number; failures: number };
    assert.deepEqual([result.passes, result.failures], [1, 0], output.text);
    assert.equal(output.code, 0, output.text);
  });
});
