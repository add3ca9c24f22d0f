// Runs the integration suites (test/integration/suite/*.test.ts) in desktop VS Code through
// @vscode/test-electron, for machines that can download VS Code. Same suites, same index.ts, same
// exit rules as the code-server runner (test/integration/runner/run.mjs).
// Usage: npm run test:electron [-- --counts FILE] [-- --grep TEXT]
// Env: VSCODE_TEST_VERSION (default "stable"), VSCODE_EXECUTABLE (use an installed VS Code, no download).
// On a headless Linux machine run it under a display server: xvfb-run -a npm run test:electron
import { downloadAndUnzipVSCode, runTests, TestRunFailedError } from '@vscode/test-electron';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSuites, repoRoot } from '../test/integration/build.mjs';
import { decideOutcome, parseCounts, summarize } from '../test/integration/runner/outcome.mjs';

const { values: options } = parseArgs({
  options: { counts: { type: 'string' }, grep: { type: 'string' }, 'no-build': { type: 'boolean', default: false } },
});

async function resolveVSCode() {
  const installed = process.env.VSCODE_EXECUTABLE;
  if (installed) {
    if (!existsSync(installed))
      throw new Error(
        `VSCODE_EXECUTABLE=${installed} does not exist; point it at the VS Code binary (e.g. /usr/share/code/code) or unset it to download.`,
      );
    return installed;
  }
  const version = process.env.VSCODE_TEST_VERSION || 'stable';
  try {
    // Cached in .vscode-test/ after the first download.
    return await downloadAndUnzipVSCode({ version, cachePath: join(repoRoot, '.vscode-test'), timeout: 30_000 });
  } catch (err) {
    throw new Error(
      `could not download VS Code ${version} from Microsoft's update servers ` +
        `(${err instanceof Error ? err.message : err}).\n` +
        'This machine probably cannot reach update.code.visualstudio.com. Either run the same suites in code-server ' +
        '(node test/integration/runner/run.mjs), or set VSCODE_EXECUTABLE to an installed VS Code binary.',
    );
  }
}

async function main() {
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    console.error('test:electron: no DISPLAY; desktop VS Code needs one. Run it as: xvfb-run -a npm run test:electron');
  }
  if (!options['no-build']) {
    const build = spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), '--dev'], {
      stdio: 'inherit',
      cwd: repoRoot,
    });
    if (build.status !== 0)
      throw new Error(`building the extension (node scripts/build.mjs --dev) failed with exit ${build.status}`);
  }
  const { indexPath } = await buildSuites();
  const vscodeExecutablePath = await resolveVSCode();

  const temp = mkdtempSync(join(tmpdir(), 'training-runs-electron-'));
  try {
    const workspace = join(temp, 'workspace');
    cpSync(join(repoRoot, 'test/integration/fixtures/workspace'), workspace, { recursive: true });
    const countsFile = join(temp, 'counts.json');
    let hostExitCode;
    try {
      hostExitCode = await runTests({
        vscodeExecutablePath,
        extensionDevelopmentPath: repoRoot,
        extensionTestsPath: indexPath,
        launchArgs: [
          workspace,
          '--disable-extensions',
          '--disable-workspace-trust',
          '--skip-welcome',
          '--skip-release-notes',
        ],
        // user data and extensions: test-electron's defaults under .vscode-test/ (short paths; macOS limits socket path length)
        extensionTestsEnv: {
          TRAINING_RUNS_TEST_COUNTS: countsFile,
          TRAINING_RUNS_REPO_ROOT: repoRoot,
          TRAINING_RUNS_TEST_WORKSPACE: workspace,
          ...(options.grep ? { TRAINING_RUNS_TEST_GREP: options.grep } : {}),
        },
      });
    } catch (err) {
      if (!(err instanceof TestRunFailedError)) throw err;
      hostExitCode = err.code ?? null;
    }
    const counts = existsSync(countsFile) ? parseCounts(readFileSync(countsFile, 'utf8')) : null;
    const outcome = decideOutcome({ hostExitCode, counts });
    const totals = counts ?? { passes: 0, failures: 0, pending: 0 };
    if (options.counts) {
      mkdirSync(dirname(resolve(options.counts)), { recursive: true });
      writeFileSync(resolve(options.counts), `${JSON.stringify(totals)}\n`);
    }
    console.log(
      `integration (electron): ${summarize(totals)}${outcome.exitCode ? ` — FAILED: ${outcome.reason}` : ''}`,
    );
    return outcome.exitCode;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`test:electron: ${err instanceof Error ? err.message : err}`);
    process.exit(2);
  },
);
