/**
 * Extension activation in the real VS Code host: launches code-server + headless Chromium through the
 * integration-test runner with bench/extension/suite and two extensions under development (Training
 * Runs and the empty bench/extension/minimal), once per launch, and turns the suite's reports into
 * bench rows. Uses dist/extension.js as it is: build it first (bench/run.ts does when it is stale).
 * The web workbench takes a single development path, so both are staged as copies in one folder
 * (copies, not links: the host maps `require('vscode')` to an extension by the real file path).
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, type BenchResult } from '../result';
import {
  ACTIVATION_ENV,
  EXTENSION_IDS,
  activationFailure,
  activationResults,
  type ActivationOrder,
  type ActivationReport,
} from './activationReport';

export interface ActivationPlan {
  repoRoot: string;
  /** Host launches (each ~20-30 s on 2 shared cores); the order of the two activations alternates. */
  launches: number;
  /** Per launch. */
  timeoutMs: number;
  /** How long the suite lets the host settle after start-up before activating. */
  settleMs: number;
}

/** test/integration/runner/run-integration-tests.mjs, as the bench suites (activation, scale) launch it. */
export interface IntegrationRunner {
  runIntegrationTests(options: {
    testsPath: string;
    extensionPath: string;
    /** The folder to open; default: a fresh copy of the integration tests' fixture workspace. */
    workspace?: string;
    env: Record<string, string>;
    timeoutMs: number;
    log: (line: string) => void;
  }): Promise<{ exitCode: number; reason: string; seconds: number }>;
}

/** The runner and its helpers are plain ESM (.mjs) so their CLI runs on bare Node: imported at run time. */
export async function importMjs<T>(path: string): Promise<T> {
  return (await import(pathToFileURL(path).href)) as T;
}

async function describeHost(repoRoot: string): Promise<string> {
  const { ensureTestHost } = await importMjs<{ ensureTestHost(o: { log: (l: string) => void }): { dir: string } }>(
    join(repoRoot, 'scripts/setup-test-host.mjs'),
  );
  const { dir } = ensureTestHost({ log: (line) => console.log(`  ${line}`) });
  const version = async (path: string) =>
    (JSON.parse(await readFile(join(dir, 'node_modules/code-server', path), 'utf8')) as { version: string }).version;
  return `code-server ${await version('package.json')} (VS Code ${await version('lib/vscode/package.json')})`;
}

/** What activation reads of Training Runs (the manifest, the bundle, the webview assets and icons), and two empty extensions. */
async function stageExtensions(repoRoot: string, into: string): Promise<void> {
  const ours = join(into, 'training-runs');
  await mkdir(join(ours, 'dist'), { recursive: true });
  await cp(join(repoRoot, 'package.json'), join(ours, 'package.json'));
  await cp(join(repoRoot, 'dist/extension.js'), join(ours, 'dist/extension.js'));
  await cp(join(repoRoot, 'dist/webview'), join(ours, 'dist/webview'), { recursive: true });
  await cp(join(repoRoot, 'media'), join(ours, 'media'), { recursive: true });
  await cp(join(__dirname, 'minimal'), join(into, 'minimal'), { recursive: true });
  const warmup = join(into, 'warmup');
  await cp(join(__dirname, 'minimal'), warmup, { recursive: true });
  const manifest = JSON.parse(await readFile(join(warmup, 'package.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(
    join(warmup, 'package.json'),
    JSON.stringify({ ...manifest, name: EXTENSION_IDS.warmup.split('.')[1] }, null, 2),
  );
}

export async function measureActivation(plan: ActivationPlan): Promise<BenchResult[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'bench-activation-'));
  try {
    const host = await describeHost(plan.repoRoot);
    const { buildSuites } = await importMjs<{ buildSuites(o: { testsDir: string }): Promise<{ indexPath: string }> }>(
      join(plan.repoRoot, 'test/integration/build.mjs'),
    );
    const runner = await importMjs<IntegrationRunner>(
      join(plan.repoRoot, 'test/integration/runner/run-integration-tests.mjs'),
    );
    const { indexPath } = await buildSuites({ testsDir: join(__dirname, 'suite') });
    const extensions = join(scratch, 'extensions');
    await stageExtensions(plan.repoRoot, extensions);
    const reports: ActivationReport[] = [];
    for (let launch = 0; launch < plan.launches; launch++) {
      const order: ActivationOrder = launch % 2 === 0 ? 'ours-first' : 'reference-first';
      const out = join(scratch, `launch-${launch}.json`);
      const output: string[] = [];
      const run = await runner.runIntegrationTests({
        testsPath: indexPath,
        extensionPath: extensions,
        env: {
          [ACTIVATION_ENV.out]: out,
          [ACTIVATION_ENV.order]: order,
          [ACTIVATION_ENV.settleMs]: String(plan.settleMs),
        },
        timeoutMs: plan.timeoutMs,
        log: (line) => output.push(line),
      });
      if (run.exitCode !== 0)
        throw new Error(
          `host launch ${launch + 1} failed (${run.reason}): ${output.slice(-5).join(' | ').slice(0, 1200)}`,
        );
      const report = JSON.parse(await readFile(out, 'utf8')) as ActivationReport;
      reports.push(report);
      const timed = report.records.map((r) => `${r.id} ${r.callMs.toFixed(1)} ms${r.wasActive ? ' (was active)' : ''}`);
      console.log(`  launch ${launch + 1}: ${run.seconds.toFixed(1)} s; ${timed.join(', ')}`);
    }
    return activationResults(reports, host);
  } catch (error) {
    return activationFailure(errorMessage(error));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
