// Bundles integration suites for the extension host: each `*.test.ts` of a folder, plus the shared
// runner entry `suite/index.ts`, into one output folder (cjs, node, `vscode` and `mocha` external:
// `vscode` is the host's, `mocha` resolves from the repo's node_modules).
// Usage: node test/integration/build.mjs [--tests DIR] [--out DIR] [--fresh-workspace DIR]
//   --fresh-workspace DIR: also replace DIR with a copy of the fixture workspace (for F5 "Extension Tests").
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const defaultTestsDir = join(repoRoot, 'test/integration/suite');
const indexSource = join(repoRoot, 'test/integration/suite/index.ts');
export const fixtureWorkspace = join(repoRoot, 'test/integration/fixtures/workspace');

/**
 * Where the suites of `testsDir` are built: its repo path mirrored under out/, or
 * out/test/integration/external/<name> for a folder outside the clone. Always inside the clone, so
 * the bundles' `require('mocha')` finds the repo's node_modules.
 */
export function defaultOutDir(testsDir) {
  const rel = relative(repoRoot, testsDir);
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  return inside ? join(repoRoot, 'out', rel) : join(repoRoot, 'out/test/integration/external', basename(testsDir));
}

/**
 * @param {{ testsDir?: string, outDir?: string, dev?: boolean }} [options]
 * @returns {Promise<{ indexPath: string, testFiles: string[], outDir: string }>}
 */
export async function buildSuites({ testsDir = defaultTestsDir, outDir, dev = true } = {}) {
  const dir = resolve(testsDir);
  if (!existsSync(dir))
    throw new Error(`integration build: tests folder ${dir} does not exist (pass --tests DIR with *.test.ts files).`);
  const out = resolve(outDir ?? defaultOutDir(dir));
  const testFiles = readdirSync(dir)
    .filter((n) => n.endsWith('.test.ts'))
    .sort();
  // Stale bundles of deleted suites would still run: start clean.
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const entryPoints = { index: indexSource };
  for (const name of testFiles) entryPoints[name.replace(/\.ts$/, '')] = join(dir, name);
  await esbuild.build({
    entryPoints,
    outdir: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha', ...JSON.parse(readFileSync(join(repoRoot, 'scripts/optional-native.json'), 'utf8'))],
    sourcemap: dev ? 'inline' : false,
    logLevel: 'warning',
    absWorkingDir: repoRoot,
  });
  return {
    indexPath: join(out, 'index.js'),
    testFiles: testFiles.map((n) => join(out, n.replace(/\.ts$/, '.js'))),
    outDir: out,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (flag) => {
    const i = process.argv.indexOf(flag);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const r = await buildSuites({ testsDir: arg('--tests') ?? defaultTestsDir, outDir: arg('--out') });
  console.log(`integration build: ${r.testFiles.length} suite file(s) → ${r.outDir}`);
  const workspace = arg('--fresh-workspace');
  if (workspace) {
    rmSync(resolve(workspace), { recursive: true, force: true });
    cpSync(fixtureWorkspace, resolve(workspace), { recursive: true });
  }
}
