// `npm run mutate [-- MODULE ...] [--full] [--concurrency N]`: mutation testing of the core with
// StrykerJS (mocha runner, tsx), one module at a time against that module's unit tests.
//   MODULE       checkpoint, config, hf, metrics (default: all four, in that order)
//   --full       ignore the incremental cache (a full run of the module)
//   --concurrency N   Stryker's test-runner processes (default 2)
//   --report     no run: print and record the scores of the last run's results
//   --mutate FILES   mutate only these files of the module (comma-separated paths or globs under
//                src/core/<module>/, Stryker's `file.ts:10-20` ranges too; the module is taken from them
//                when none is named). The other files keep their last results in the cache and scores
//                (with no whole run of the module in the cache, their last recorded scores; a module
//                never recorded gets `"partial": true` until every file was run).
// Incremental: each module's previous results live in mutation/.cache/<module>.json (not committed);
// only mutants whose code or covering tests changed run again. Writes mutation/scores/<module>.json
// (committed: a drop shows in review), prints the score of each file, the survivors judged equivalent
// (reviewed in mutation/equivalent-mutants.json) and every other survivor.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarise, printSummary, loadEquivalents, mergeRecorded } from './mutation/report.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODULES = ['checkpoint', 'config', 'hf', 'metrics'];

const args = process.argv.slice(2);
const full = args.includes('--full');
const reportOnly = args.includes('--report');
const concurrencyAt = args.indexOf('--concurrency');
const concurrency = concurrencyAt >= 0 ? Number(args[concurrencyAt + 1]) : 2;
const mutateAt = args.indexOf('--mutate');
const only = mutateAt >= 0 ? (args[mutateAt + 1] ?? '').split(',').filter((f) => f !== '') : [];
if (mutateAt >= 0 && only.length === 0) {
  console.error('mutate: --mutate needs files, e.g. --mutate src/core/checkpoint/lock.ts,src/core/checkpoint/fs.ts');
  process.exit(2);
}
if (only.length > 0 && full) {
  // Stryker's force run ignores the cache, so the other files' results would be lost from it.
  console.error(
    "mutate: --mutate and --full do not go together (a full run of some files would drop the others' results)",
  );
  process.exit(2);
}
const valueAt = new Set([concurrencyAt, mutateAt].filter((i) => i >= 0).map((i) => i + 1));
const named = args.filter((a, i) => !a.startsWith('--') && !valueAt.has(i));
/** The module a --mutate path belongs to, from its src/core/<module>/ prefix. */
const moduleOf = (file) => MODULES.find((m) => file.replace(/^\.\//, '').startsWith(`src/core/${m}/`));
for (const file of only) {
  if (moduleOf(file) === undefined) {
    console.error(`mutate: --mutate ${file} is not under src/core/<module>/ (modules: ${MODULES.join(', ')})`);
    process.exit(2);
  }
}
for (const m of named) {
  if (!MODULES.includes(m)) {
    console.error(`mutate: unknown module "${m}"; expected one of ${MODULES.join(', ')}`);
    process.exit(2);
  }
}
if (!Number.isInteger(concurrency) || concurrency < 1) {
  console.error('mutate: --concurrency needs a whole number of processes, at least 1');
  process.exit(2);
}
const modules =
  named.length > 0 ? named : only.length > 0 ? MODULES.filter((m) => only.some((f) => moduleOf(f) === m)) : MODULES;
for (const m of modules) {
  if (only.length > 0 && !only.some((f) => moduleOf(f) === m)) {
    console.error(`mutate: --mutate names no file of src/core/${m}`);
    process.exit(2);
  }
}

let Stryker;
if (!reportOnly) {
  try {
    ({ Stryker } = await import('@stryker-mutator/core'));
  } catch (error) {
    console.error(`mutate: cannot load @stryker-mutator/core (run \`npm ci\` first): ${error.message}`);
    process.exit(2);
  }
}

/**
 * The hostile-input tests (test/unit/core/hostile) of each module's readers: they protect its bounds
 * (line, header and archive limits), so they count toward its score too.
 */
const HOSTILE_TESTS = {
  checkpoint: ['jsonFiles', 'safetensorsHeaders'],
  config: ['configYaml'],
  hf: ['jsonFiles', 'safetensorsHeaders', 'torchArchives'],
  // metricsLines reads a 2.2 GB sparse file and a 128 MB line: run per mutant it makes a run take hours.
  metrics: [],
};

/** Stryker's options for one module: its sources mutated, its unit tests (and hostile-input tests) run. */
function optionsFor(module) {
  return {
    testRunner: 'mocha',
    plugins: ['@stryker-mutator/mocha-runner'],
    mochaOptions: {
      config: join(root, '.mocharc.json'),
      spec: [
        `test/unit/core/${module}/**/*.test.ts`,
        ...HOSTILE_TESTS[module].map((t) => `test/unit/core/hostile/${t}.test.ts`),
      ],
    },
    mutate: only.length > 0 ? only.filter((f) => moduleOf(f) === module) : [`src/core/${module}/**/*.ts`],
    coverageAnalysis: 'perTest',
    incremental: true,
    force: full,
    incrementalFile: join(root, 'mutation/.cache', `${module}.json`),
    concurrency,
    // The machine is shared: a slow test is not a hang. Timeouts still count as killed.
    timeoutMS: 30_000,
    timeoutFactor: 3,
    reporters: ['progress-append-only', 'html'],
    htmlReporter: { fileName: join(root, 'mutation/.cache', `${module}.html`) },
    tempDirName: '.stryker-tmp',
    // The sandbox needs the sources, tests and their fixtures only.
    ignorePatterns: ['dist', 'out', '.test-host', '.vscode-test', 'mutation', 'runs', 'examples/**/runs', '*.vsix'],
    cleanTempDir: 'always',
    logLevel: 'warn',
  };
}

/** The results of the module's last run, from Stryker's incremental file (a mutation-testing report). */
function lastResults(module) {
  const path = join(root, 'mutation/.cache', `${module}.json`);
  if (!existsSync(path)) {
    console.error(`mutate: no results for ${module} yet (${path}); run without --report first`);
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(path, 'utf8'));
  return Object.entries(report.files).flatMap(([fileName, file]) => file.mutants.map((m) => ({ ...m, fileName })));
}

const equivalents = loadEquivalents(join(root, 'mutation/equivalent-mutants.json'));
mkdirSync(join(root, 'mutation/scores'), { recursive: true });
const summaries = [];
for (const module of modules) {
  const scope = only.length > 0 ? `, only ${only.filter((f) => moduleOf(f) === module).join(', ')}` : '';
  if (!reportOnly)
    console.log(
      `\n=== mutate: src/core/${module} (${full ? 'full' : 'incremental'}${scope}, concurrency ${concurrency}) ===`,
    );
  const started = Date.now();
  // Until one run of the whole module, a run of some files knows nothing of the others: its score is not the module's.
  const wholeRunMark = join(root, 'mutation/.cache', `${module}.whole`);
  const partial = (only.length > 0 || reportOnly) && !existsSync(wholeRunMark);
  const results = reportOnly ? lastResults(module) : await new Stryker(optionsFor(module)).runMutationTest();
  const summary = summarise(module, results, root, equivalents, only.length > 0 || partial);
  if (!reportOnly) summary.seconds = Math.round((Date.now() - started) / 1000);
  if (!reportOnly && only.length === 0) writeFileSync(wholeRunMark, new Date().toISOString() + '\n');
  const scoresFile = join(root, 'mutation/scores', `${module}.json`);
  if (partial) {
    // The cache knows only this run's files: merge them into the recorded scores of the others.
    const previous = existsSync(scoresFile) ? JSON.parse(readFileSync(scoresFile, 'utf8')) : undefined;
    summary.recorded = mergeRecorded(previous, summary.recorded);
    console.log(
      `mutate: no whole run of src/core/${module} in the cache: this run's files replace theirs in mutation/scores/${module}.json, the others keep their recorded scores${summary.recorded.partial ? ' (partial: files never run are missing)' : ''}`,
    );
  }
  writeFileSync(scoresFile, JSON.stringify(summary.recorded, null, 2) + '\n');
  summaries.push(summary);
}
let failed = false;
for (const summary of summaries) failed = printSummary(summary) || failed;
// A listed equivalent that no longer survives (or no longer exists) is stale: the list must be kept true.
process.exit(failed ? 1 : 0);
