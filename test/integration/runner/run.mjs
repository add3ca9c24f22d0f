// CLI: builds the extension and the integration suites, runs them in code-server + Chromium.
// node test/integration/runner/run.mjs [--tests DIR] [--workspace DIR] [--counts FILE] [--grep TEXT]
//                                      [--no-build] [--timeout SECONDS] [--env KEY=VALUE]...
// Exits 0 only when at least one test ran and none failed; writes {passes, failures, pending} to --counts.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSuites, defaultTestsDir } from '../build.mjs';
import { summarize } from './outcome.mjs';
import { repoRoot, runIntegrationTests } from './run-integration-tests.mjs';

const usage =
  'usage: node test/integration/runner/run.mjs [--tests DIR] [--workspace DIR] [--counts FILE] [--grep TEXT] [--no-build] [--timeout SECONDS] [--env KEY=VALUE]...';

function parseCli(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      tests: { type: 'string' },
      workspace: { type: 'string' },
      counts: { type: 'string' },
      grep: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      timeout: { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const env = {};
  for (const pair of values.env) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--env ${pair}: expected KEY=VALUE`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (values.grep) env.TRAINING_RUNS_TEST_GREP = values.grep;
  // A guard against a hung host, not a speed check: a busy machine takes far longer than an idle one.
  const timeoutSeconds = values.timeout === undefined ? 1800 : Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw new Error(`--timeout ${values.timeout}: expected a positive number of seconds`);
  return { ...values, env, timeoutMs: timeoutSeconds * 1000 };
}

async function main() {
  let options;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : err}\n${usage}`);
    return 2;
  }
  if (options.help) {
    console.log(usage);
    return 0;
  }
  const writeCounts = (counts) => {
    if (!options.counts) return;
    const file = resolve(options.counts);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(counts)}\n`);
  };
  // A run that dies before the host reports leaves counts that say so, not stale ones.
  writeCounts({ passes: 0, failures: 0, pending: 0 });

  if (!options['no-build']) {
    const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--dev'], {
      stdio: 'inherit',
      cwd: repoRoot,
    });
    if (build.status !== 0) {
      console.error(
        `integration: building the extension (node scripts/build.mjs --dev) failed with exit ${build.status}.`,
      );
      return 2;
    }
  }
  const built = await buildSuites({ testsDir: options.tests ? resolve(options.tests) : defaultTestsDir });
  console.log(`integration: ${built.testFiles.length} suite file(s) built into ${built.outDir}`);

  const result = await runIntegrationTests({
    testsPath: built.indexPath,
    workspace: options.workspace,
    env: options.env,
    timeoutMs: options.timeoutMs,
  });
  const counts = { passes: result.passes, failures: result.failures, pending: result.pending };
  writeCounts(counts);
  const verdict = result.exitCode === 0 ? '' : ` — FAILED: ${result.reason}`;
  console.log(`integration: ${summarize(counts)} in ${result.seconds.toFixed(1)} s${verdict}`);
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`integration: ${err instanceof Error ? (err.stack ?? err.message) : err}`);
    process.exit(2);
  },
);
