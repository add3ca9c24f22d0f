// `npm run package` builds a .vsix that installs and activates: package it with vsce, check its
// file list (no sources, tests or source maps), unpack it, and run a suite in a real host against
// the unpacked extension, training with the bundled trainer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ZipArchive } from '../../../src/core/hf/zipArchive';

const repoRoot = resolve(__dirname, '../../..');

async function unzip(file: string, dest: string): Promise<string[]> {
  const zip = await ZipArchive.open(file);
  try {
    for (const entry of zip.entries) {
      if (entry.name.endsWith('/')) continue;
      const target = resolve(dest, entry.name);
      assert.ok(target.startsWith(dest + '/'), `entry ${entry.name} stays inside the package`);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, await zip.read(entry, 256 * 1024 * 1024));
    }
    return zip.entries.map((e) => e.name);
  } finally {
    await zip.close();
  }
}

describe('the packaged extension', function () {
  this.timeout(300_000);
  let temp: string;

  before(() => {
    temp = mkdtempSync(join(tmpdir(), 'training-runs-vsix-'));
  });
  after(() => rmSync(temp, { recursive: true, force: true }));

  it('packages without sources, tests or maps, then installs, activates and trains in a real host', async () => {
    const vsix = join(temp, 'training-runs.vsix');
    const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs')], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(build.status, 0, build.stderr);
    // As `npm run package`: the README's relative links (screenshots) stay relative, resolved in the installed extension.
    const vsce = spawnSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules/@vscode/vsce/vsce'),
        'package',
        '--no-dependencies',
        '--no-rewrite-relative-links',
        '--out',
        vsix,
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    assert.equal(vsce.status, 0, `vsce package failed:\n${vsce.stdout}${vsce.stderr}`);
    console.log(`      [measure] .vsix size: ${(statSync(vsix).size / 1024 / 1024).toFixed(2)} MiB`);

    const unpacked = join(temp, 'unpacked');
    const files = (await unzip(vsix, unpacked))
      .filter((n) => n.startsWith('extension/'))
      .map((n) => n.slice('extension/'.length));
    const forbidden = files.filter(
      (f) =>
        /\.(ts|map)$/.test(f) ||
        /^(src|test|scripts|bench|webview\/src|node_modules)\//.test(f) ||
        /(^|\/)runs\//.test(f),
    );
    assert.deepEqual(forbidden, [], 'no sources, tests, maps or runs in the package');
    // vsce stores the README and CHANGELOG under lower-case names.
    for (const needed of [
      'package.json',
      'dist/extension.js',
      'dist/services.js',
      'dist/trainer.js',
      'dist/readerWorker.js',
      'dist/webview/loss-curves.js',
      'dist/wasm/tfjs-backend-wasm-simd.wasm',
      'media/schema/training-config.schema.json',
      'media/icon.png',
      'readme.md',
      'changelog.md',
    ]) {
      assert.ok(files.includes(needed), `the package has ${needed}`);
    }

    const { buildSuites } = await import(pathToFileURL(join(repoRoot, 'test/integration/build.mjs')).href);
    const { runIntegrationTests } = await import(
      pathToFileURL(join(repoRoot, 'test/integration/runner/run-integration-tests.mjs')).href
    );
    const suites = await buildSuites({
      testsDir: join(repoRoot, 'test/integration/fixtures/packaged-suite'),
      outDir: join(repoRoot, 'out/test/integration/packaged-suite'),
    });
    const extensionPath = join(unpacked, 'extension');
    const result = await runIntegrationTests({
      extensionPath,
      testsPath: suites.indexPath,
      env: { TRAINING_RUNS_PACKAGED_PATH: extensionPath },
      timeoutMs: 240_000,
      log: (line: string) => console.log(`      ${line}`),
    });
    assert.equal(result.failures, 0, result.reason);
    assert.equal(result.passes, 2, `both packaged checks ran (${result.reason})`);
    assert.equal(result.exitCode, 0, result.reason);
  });
});
