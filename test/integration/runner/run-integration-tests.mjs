// Runs built integration suites inside a real VS Code extension host: code-server + headless Chromium.
// See README.md in this folder.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureTestHost } from '../../../scripts/setup-test-host.mjs';
import { fixtureWorkspace, repoRoot } from '../build.mjs';
import { startCodeServer } from './code-server.mjs';
import { decideOutcome, parseCounts } from './outcome.mjs';
import { runTestsInWorkbench } from './workbench.mjs';

export { fixtureWorkspace, repoRoot };

/** Variables of the caller's VS Code (when run from its terminal) would confuse the host under test. */
function cleanEnv(env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') continue;
    out[k] = v;
  }
  return out;
}

/**
 * The environment for code-server and its extension host: this process's (less the caller's VS Code
 * variables), then `extra`, with everything they write kept inside `tempRoot` and no marketplace.
 * Also used by scripts/screenshots.mjs.
 */
export function isolatedHostEnv(tempRoot, extra = {}) {
  const state = (name) => {
    const d = join(tempRoot, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  return {
    ...cleanEnv(process.env),
    ...extra,
    // Everything code-server and the host write goes into tempRoot, nothing into $HOME.
    XDG_CONFIG_HOME: state('xdg-config'),
    XDG_DATA_HOME: state('xdg-data'),
    XDG_CACHE_HOME: state('xdg-cache'),
    TMPDIR: state('tmp'),
    EXTENSIONS_GALLERY: '{}', // no marketplace look-ups (open-vsx.org)
  };
}

/**
 * @param {{
 *   extensionPath?: string,  // folder with the extension's package.json (default: the repo root), or a folder of
 *                            // such folders: VS Code then loads each (the web workbench takes one development path)
 *   testsPath: string,       // built suite entry (index.js exporting run()), see ../build.mjs
 *   workspace?: string,      // folder to open; default: a fresh temp copy of test/integration/fixtures/workspace
 *   env?: Record<string, string>, // extra environment for the extension host and tests
 *   timeoutMs?: number,      // limit for the whole host run
 *   log?: (line: string) => void, // test output and runner messages (default: stdout)
 * }} options
 * @returns {Promise<{ exitCode: number, passes: number, failures: number, pending: number,
 *   hostExitCode: number | null, reason: string, seconds: number }>}
 */
export async function runIntegrationTests({
  extensionPath = repoRoot,
  testsPath,
  workspace,
  env = {},
  timeoutMs = 1_800_000,
  log = (line) => process.stdout.write(`${line}\n`),
}) {
  const started = performance.now();
  const extension = resolve(extensionPath);
  const tests = resolve(testsPath);
  const isExtension = (dir) => existsSync(join(dir, 'package.json'));
  const holdsExtensions = () =>
    readdirSync(extension, { withFileTypes: true }).some(
      (e) => e.isDirectory() && isExtension(join(extension, e.name)),
    );
  if (!isExtension(extension) && !(existsSync(extension) && holdsExtensions()))
    throw new Error(`integration: no package.json in extensionPath ${extension} nor in its subfolders`);
  if (!existsSync(tests))
    throw new Error(
      `integration: testsPath ${tests} does not exist; build the suites first (node test/integration/build.mjs).`,
    );

  const host = ensureTestHost({ log });
  const tempRoot = mkdtempSync(join(tmpdir(), 'training-runs-it-'));
  let server;
  try {
    const workspaceDir = workspace ? resolve(workspace) : join(tempRoot, 'workspace');
    if (!workspace) cpSync(fixtureWorkspace, workspaceDir, { recursive: true });
    if (!existsSync(workspaceDir)) throw new Error(`integration: workspace folder ${workspaceDir} does not exist.`);
    const countsFile = join(tempRoot, 'counts.json');
    const state = (name) => {
      const d = join(tempRoot, name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    const serverEnv = isolatedHostEnv(tempRoot, {
      ...env,
      TRAINING_RUNS_TEST_COUNTS: countsFile,
      // Where suite/reload.ts keeps the first pass's counts across a window reload.
      TRAINING_RUNS_TEST_RELOAD_STATE: join(tempRoot, 'reload-state.json'),
      TRAINING_RUNS_REPO_ROOT: repoRoot,
      TRAINING_RUNS_TEST_WORKSPACE: workspaceDir,
    });
    server = await startCodeServer({ entry: host.codeServerEntry, stateDir: state('code-server'), env: serverEnv });
    const result = await runTestsInWorkbench({
      baseUrl: server.url,
      extensionPath: extension,
      testsPath: tests,
      workspace: workspaceDir,
      timeoutMs,
      browserEnv: { ...serverEnv, TMPDIR: state('browser-tmp') },
      onLog: log,
    });
    const counts = existsSync(countsFile) ? parseCounts(readFileSync(countsFile, 'utf8')) : null;
    const outcome = decideOutcome({ hostExitCode: result.hostExitCode, counts, error: result.error });
    if (outcome.exitCode === 2)
      log(`integration: code-server output (last lines):\n${server.output().split('\n').slice(-30).join('\n')}`);
    return {
      exitCode: outcome.exitCode,
      passes: counts?.passes ?? 0,
      failures: counts?.failures ?? 0,
      pending: counts?.pending ?? 0,
      hostExitCode: result.hostExitCode,
      reason: outcome.reason,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await server?.stop();
    if (!process.env.TRAINING_RUNS_KEEP_TEST_TEMP) rmSync(tempRoot, { recursive: true, force: true });
    else log(`integration: kept ${tempRoot}`);
  }
}
