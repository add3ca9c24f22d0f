// `npm test`: sets up what the tests need, then runs all three layers and adds them up.
//   unit         mocha in plain Node over test/unit (src/core, src/trainer, extension models)
//   integration  mocha inside a real VS Code extension host (code-server + Chromium)
//   webview      mocha driving the built webview bundle in headless Chromium
//   webgpu       mocha over test/webgpu: the real webgpu backend (Dawn) on the machine's adapter;
//                where there is none, the set-up installs Mesa's software one (Debian), and where it
//                cannot, the layer's tests are skipped with the reason (scripts/setup-software-gpu.mjs)
// Before them: type-check, lint and format check (the whole suite only), build.
// Ends with one line "N passed, N failed[, N skipped]"; exits non-zero if anything failed
// or a layer ran no test. `--layers unit,webview` runs a subset.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const layerArg = process.argv.indexOf('--layers');
const allLayers = ['unit', 'integration', 'webview', 'webgpu'];
const layers = layerArg > 0 ? process.argv[layerArg + 1].split(',') : allLayers;
for (const l of layers) {
  if (!allLayers.includes(l)) {
    console.error(`test: unknown layer "${l}"; expected one of ${allLayers.join(', ')}`);
    process.exit(2);
  }
}

const reporter = join(root, 'test/support/countingReporter.cjs');
const mocha = join(root, 'node_modules/mocha/bin/mocha.js');

/** How each layer is run; each writes {passes, failures, pending} to the counts file. */
const commands = {
  unit: [process.execPath, [mocha, '--reporter', reporter]],
  integration: [process.execPath, [join(root, 'test/integration/runner/run.mjs')]],
  webview: [process.execPath, [mocha, '--config', join(root, 'test/webview/.mocharc.json'), '--reporter', reporter]],
  webgpu: [process.execPath, [mocha, '--config', join(root, 'test/webgpu/.mocharc.json'), '--reporter', reporter]],
};

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', (e) => {
      console.error(`test: could not start ${cmd}: ${e.message}`);
      resolve(1);
    });
  });
}

async function step(title, cmd, args) {
  const started = Date.now();
  const code = await run(cmd, args);
  console.log(
    `test: ${title} ${code === 0 ? 'ok' : `FAILED (exit ${code})`} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (code !== 0) process.exit(code);
}

// One tsconfig per target: src (Node: host, trainer, core), webview (DOM), then tests, bench and scripts.
for (const [target, project] of [
  ['src', 'src'],
  ['webview', 'webview'],
  ['tests', '.'],
]) {
  await step(`type-check (${target})`, process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '--noEmit',
    '-p',
    join(root, project),
  ]);
}
// Lint and formatting with the whole suite (`npm test`, CI); a subset (--layers) leaves them to `npm run lint`.
if (layerArg < 0) {
  await step('lint', process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), root]);
  await step('format check', process.execPath, [
    join(root, 'node_modules/prettier/bin/prettier.cjs'),
    '--check',
    root,
    '--log-level',
    'warn',
  ]);
}
await step('build', process.execPath, [join(root, 'scripts/build.mjs'), '--dev']);
if (layers.some((l) => l === 'integration' || l === 'webview')) {
  await step('test-host set-up', process.execPath, [join(root, 'scripts/setup-test-host.mjs')]);
}
/** Why the webgpu layer has no adapter to run on, or null; then its tests skip rather than fail. */
let noAdapterReason = null;
if (layers.includes('webgpu')) {
  const started = Date.now();
  const { ensureSoftwareGpu } = await import('./setup-software-gpu.mjs');
  try {
    const gpu = ensureSoftwareGpu({ log: (line) => console.log(line) });
    noAdapterReason = gpu.adapter ? null : gpu.reason;
    console.log(
      `test: WebGPU adapter set-up ok in ${((Date.now() - started) / 1000).toFixed(1)} s: ${gpu.adapter ? `${gpu.adapter.description} (${gpu.adapter.architecture})` : `none, the webgpu layer will skip (${gpu.reason})`}`,
    );
  } catch (error) {
    console.log(`test: WebGPU adapter set-up FAILED: ${error.message}`);
    process.exit(1);
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'training-runs-test-'));
const results = [];
for (const layer of layers) {
  const countsFile = join(tmp, `${layer}.json`);
  const [cmd, args] = commands[layer];
  const extra = layer === 'integration' ? ['--counts', countsFile] : [];
  console.log(`\n=== ${layer} tests ===`);
  const started = Date.now();
  const code = await run(cmd, [...args, ...extra], { TRAINING_RUNS_TEST_COUNTS: countsFile });
  let counts = { passes: 0, failures: 0, pending: 0 };
  if (existsSync(countsFile)) counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  const problems = [];
  if (code !== 0 && counts.failures === 0) problems.push(`exited ${code} without reporting a failed test`);
  const allowedEmpty = layer === 'webgpu' && noAdapterReason !== null && counts.pending > 0;
  if (counts.passes + counts.failures === 0 && !allowedEmpty) problems.push('ran no test');
  results.push({ layer, code, counts, problems, seconds: (Date.now() - started) / 1000 });
}
rmSync(tmp, { recursive: true, force: true });

console.log('\n=== summary ===');
let passed = 0;
let failed = 0;
let skipped = 0;
for (const r of results) {
  // A layer that broke without naming a failed test still counts as one failure.
  const layerFailed = r.counts.failures + (r.problems.length > 0 ? 1 : 0);
  passed += r.counts.passes;
  failed += layerFailed;
  skipped += r.counts.pending;
  const note = r.problems.length ? ` (${r.problems.join('; ')})` : '';
  console.log(
    `${r.layer}: ${r.counts.passes} passed, ${layerFailed} failed, ${r.counts.pending} skipped in ${r.seconds.toFixed(1)} s${note}`,
  );
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
