/**
 * The Runs view at scale in the real VS Code host (code-server + headless Chromium through the
 * integration-test runner): a workspace of 1,000 runs x 20 checkpoints and 50 Hugging Face runs,
 * measured for this checkout and, with `--baseline REF`, for another commit built in a temporary git
 * worktree in the same bench run (the reference of each row). The suite (bench/scale/suite) reports
 * activation, time until the tree lists every run and every row has its facts, the host's CPU and
 * memory for that listing, and the host's CPU per checkpoint saved by one running trainer with the
 * Runs view open and with the side bar closed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importMjs, type IntegrationRunner } from '../extension/activation';
import { errorMessage, type BenchResult } from '../result';
import { SCALE_ENV, scaleFailure, scaleResults, type MeasuredBuild, type ScaleReport } from './scaleReport';
import { buildScaleWorkspace, type ScaleWorkspace } from './workspace';

export interface ScalePlan {
  repoRoot: string;
  launches: number;
  runs: number;
  checkpointsPerRun: number;
  hfRuns: number;
  /** A commit to measure in the same run as the reference; null: this checkout only. */
  baseline: string | null;
  timeoutMs: number;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

/** The baseline commit checked out beside this one, sharing node_modules, and built as `npm run build` builds. */
async function prepareBaseline(
  repoRoot: string,
  ref: string,
  scratch: string,
): Promise<{ root: string; label: string }> {
  const commit = git(repoRoot, ['rev-parse', '--short', ref]);
  const root = join(scratch, `baseline-${commit}`);
  git(repoRoot, ['worktree', 'add', '--detach', root, commit]);
  await symlink(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0)
    throw new Error(`building the baseline ${commit} failed: ${(build.stderr || build.stdout).trim().slice(-400)}`);
  return { root, label: commit };
}

async function measureBuild(
  plan: ScalePlan,
  extensionRoot: string,
  label: string,
  workspace: ScaleWorkspace,
  scratch: string,
): Promise<MeasuredBuild> {
  const { buildSuites } = await importMjs<{ buildSuites(o: { testsDir: string }): Promise<{ indexPath: string }> }>(
    join(plan.repoRoot, 'test/integration/build.mjs'),
  );
  const runner = await importMjs<IntegrationRunner>(
    join(plan.repoRoot, 'test/integration/runner/run-integration-tests.mjs'),
  );
  const { indexPath } = await buildSuites({ testsDir: join(__dirname, 'suite') });
  const reports: ScaleReport[] = [];
  for (let launch = 0; launch < plan.launches; launch++) {
    // Each launch trains into runs-live/: start from the same workspace every time.
    await rm(join(workspace.dir, 'project/runs-live'), { recursive: true, force: true });
    const out = join(scratch, `${label}-${launch}.json`);
    const output: string[] = [];
    const run = await runner.runIntegrationTests({
      testsPath: indexPath,
      extensionPath: extensionRoot,
      workspace: workspace.dir,
      env: {
        [SCALE_ENV.out]: out,
        [SCALE_ENV.expectedRuns]: String(workspace.expectedRuns),
        [SCALE_ENV.liveConfig]: workspace.liveConfig,
        [SCALE_ENV.settleMs]: '3000',
      },
      timeoutMs: plan.timeoutMs,
      log: (line) => output.push(line),
    });
    if (run.exitCode !== 0)
      throw new Error(
        `${label}: host launch ${launch + 1} failed (${run.reason}): ${output.slice(-6).join(' | ').slice(0, 1500)}`,
      );
    const report = JSON.parse(await readFile(out, 'utf8')) as ScaleReport;
    reports.push(report);
    const saves = report.saves
      .map(
        (s) =>
          `${s.saves} saves with the tree ${s.tree}: host CPU ${s.hostCpuMs.toFixed(0)} ms (idle ${s.idleCpuMs.toFixed(0)})`,
      )
      .join('; ');
    console.log(
      `  ${label}, launch ${launch + 1} (${run.seconds.toFixed(0)} s): activation ${report.activationMs.toFixed(0)} ms, ${report.runsListed} runs listed at ${report.runsListedMs.toFixed(0)} ms, rows ready at ${report.rowsReadyMs.toFixed(0)} ms; ${saves}`,
    );
  }
  return { label, reports };
}

export async function measureScale(plan: ScalePlan): Promise<BenchResult[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'bench-scale-'));
  let baselineRoot: string | null = null;
  try {
    if (!existsSync(join(plan.repoRoot, 'dist/extension.js')))
      throw new Error('dist/extension.js is missing: run npm run build');
    const workspace = await buildScaleWorkspace({
      repoRoot: plan.repoRoot,
      dir: join(scratch, 'workspace'),
      runs: plan.runs,
      checkpointsPerRun: plan.checkpointsPerRun,
      hfRuns: plan.hfRuns,
      hfCheckpointsPerRun: 3,
    });
    console.log(`  workspace: ${workspace.description}`);
    let baseline: MeasuredBuild | null = null;
    if (plan.baseline) {
      const prepared = await prepareBaseline(plan.repoRoot, plan.baseline, scratch);
      baselineRoot = prepared.root;
      baseline = await measureBuild(plan, prepared.root, prepared.label, workspace, scratch);
    }
    const current = await measureBuild(plan, plan.repoRoot, 'this checkout', workspace, scratch);
    return scaleResults(current, baseline, workspace.description);
  } catch (error) {
    return scaleFailure(errorMessage(error));
  } finally {
    if (baselineRoot) spawnSync('git', ['worktree', 'remove', '--force', baselineRoot], { cwd: plan.repoRoot });
    await rm(scratch, { recursive: true, force: true });
  }
}
