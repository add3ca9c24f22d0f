/**
 * What the extension host loads for the first listing of runs: the Runs view lists every run right
 * after activation, so what that path requires is paid by every window. Measured in a fresh Node
 * (tsx resolves the sources with require(), as the bundle defers them).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

/** Lists `runDir` as the Runs view does, then reports which of `packages` the process loaded. */
function packagesLoadedByListing(runDir: string, packages: string[]): Promise<string[]> {
  const script = `
    const { hfAwareSource } = require('./src/extension/external/lazy');
    const { engineCheckpointSource } = require('./src/extension/model/checkpointEngine');
    hfAwareSource(engineCheckpointSource).list(${JSON.stringify(runDir)}).then(() => {
      const loaded = Object.keys(require.cache);
      const names = ${JSON.stringify(packages)}.filter((p) => loaded.some((f) => f.includes('/node_modules/' + p + '/')));
      process.stdout.write(JSON.stringify(names));
    });`;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: root }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as string[]),
    );
  });
}

describe('lazy loading in the extension host', function () {
  this.timeout(120_000);

  it('the first listing of runs (native and Hugging Face) loads no YAML parser', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'lazy-listing-'));
    mkdirSync(join(runDir, 'checkpoints'));
    assert.deepEqual(await packagesLoadedByListing(runDir, ['yaml']), []);
  });
});
