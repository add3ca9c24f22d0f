/**
 * What activation loads: the extension bundle (built as scripts/build.mjs builds it, with zod and
 * YAML left as packages so that loading them shows in require.cache) is activated in a fresh Node
 * under a fake vscode (test/support/activationProbe.cjs). Activation must load neither and list no
 * runs; the Runs view shown lists them, and a config opened loads the config loader.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = join(__dirname, '../../..');
/** Packages activation must not load (each costs the host tens to hundreds of milliseconds). */
const HEAVY = ['zod', 'yaml'];

interface Stage {
  packages: string[];
  /** Workspace searches (vscode.workspace.findFiles): the first listing of runs makes one per pattern. */
  findFiles: number;
}
type Report = Record<'activation' | 'runsViewShown' | 'configOpened', Stage>;

function probe(bundle: string, configFile: string): Promise<Report> {
  const script = join(root, 'test/support/activationProbe.cjs');
  const env = { ...process.env, NODE_PATH: join(root, 'node_modules') };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, bundle, configFile, ...HEAVY], { env }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as Report),
    );
  });
}

describe('activation', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'activation-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loads neither zod nor YAML and lists no runs; the Runs view shown lists them; a config opened is parsed off the host (no YAML there)', async () => {
    const bundle = join(dir, 'extension.js');
    await esbuild.build({
      absWorkingDir: root,
      entryPoints: ['src/extension/extension.ts'],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode', '@node-rs/crc32', ...HEAVY],
      logLevel: 'warning',
    });
    mkdirSync(join(dir, 'configs'));
    const configFile = join(dir, 'configs', 'train.yaml');
    writeFileSync(configFile, 'model: {}\n');

    const report = await probe(bundle, configFile);
    assert.deepEqual(report.activation, { packages: [], findFiles: 0 }, 'activation loaded these or listed runs');
    assert.ok(report.runsViewShown.findFiles > 0, 'showing the Runs view did not list the runs');
    assert.ok(
      report.runsViewShown.packages.includes('zod'),
      'the first listing did not load zod: the probe sees nothing',
    );
    // Config problems are read in the reader workers (issue 15): the host never parses YAML itself.
    assert.ok(!report.configOpened.packages.includes('yaml'), 'opening a config parsed YAML on the host');
  });

  it('the product build parses only a small activation bundle: the services are a bundle of their own, required on first use', () => {
    const bundle = join(root, 'dist/extension.js');
    const services = join(root, 'dist/services.js');
    // npm test builds before the layers run; alone, this test builds when dist/ is missing or older.
    const newest = statSync(join(root, 'src/extension/extension.ts')).mtimeMs;
    if (!existsSync(bundle) || !existsSync(services) || statSync(bundle).mtimeMs < newest)
      execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--dev'], { cwd: root, stdio: 'ignore' });
    const text = readFileSync(bundle, 'utf8');
    assert.match(text, /require\("\.\/services"\)/, 'dist/extension.js requires dist/services.js at run time');
    assert.ok(text.length < 64 * 1024, `dist/extension.js is ${text.length} bytes: the services were bundled into it`);
    assert.doesNotMatch(text, /ZodError|ReaderPool/, 'zod or the reader pool is in the activation bundle');
    assert.match(readFileSync(services, 'utf8'), /createServices/);
  });
});
