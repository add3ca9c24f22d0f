/**
 * The scale workspace: one native run trained by the real trainer (dist/trainer.js) with 20
 * checkpoints, copied into N run folders (each copy's listing index removed, as after a restore from
 * a backup, so every build lists from the folders), M Hugging Face runs, and a small project whose
 * config the suite trains while the others are listed. Built once per bench run and shared by every
 * build measured.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeHfCheckpoint } from '../../test/unit/extension/external/hfHelpers';

export interface ScaleWorkspacePlan {
  repoRoot: string;
  dir: string;
  runs: number;
  checkpointsPerRun: number;
  hfRuns: number;
  hfCheckpointsPerRun: number;
}

export interface ScaleWorkspace {
  dir: string;
  /** Every run the tree should list: native copies, Hugging Face runs and the template. */
  expectedRuns: number;
  /** Trained by the suite while the other runs are listed. */
  liveConfig: string;
  description: string;
}

const SAVE_STEPS = 10;

function trainTemplate(repoRoot: string, project: string, outputDir: string, checkpoints: number): void {
  const steps = checkpoints * SAVE_STEPS;
  const sets = [
    `max_steps=${steps}`,
    `save_steps=${SAVE_STEPS}`,
    `save_total_limit=${checkpoints}`,
    `output_dir=${outputDir}`,
  ];
  const args = [
    join(repoRoot, 'dist/trainer.js'),
    'train',
    '-t',
    join(project, 'configs/train.yaml'),
    '-d',
    'cpu',
    ...sets.flatMap((s) => ['--set', s]),
  ];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 10 * 60_000 });
  if (result.status !== 0)
    throw new Error(
      `training the template run failed (exit ${result.status}): ${(result.stderr || result.stdout).trim().slice(-400)}`,
    );
}

export async function buildScaleWorkspace(plan: ScaleWorkspacePlan): Promise<ScaleWorkspace> {
  await rm(plan.dir, { recursive: true, force: true });
  const project = join(plan.dir, 'project');
  await cp(join(plan.repoRoot, 'examples/checkpointing'), project, { recursive: true });
  // The live runs save every 5 steps, 20 checkpoints, all kept: the per-save cost is what is measured.
  await writeFile(
    join(project, 'configs/live.yaml'),
    'extends: ../project.yaml\nmax_steps: 100\nsave_steps: 5\nsave_total_limit: 20\nlog_steps: 5\n',
  );
  const template = join(project, 'runs/template');
  trainTemplate(plan.repoRoot, project, template, plan.checkpointsPerRun);
  const native = join(plan.dir, 'native');
  await mkdir(native, { recursive: true });
  for (let i = 0; i < plan.runs - 1; i++) {
    const copy = join(native, `run-${String(i).padStart(4, '0')}`);
    await cp(template, copy, { recursive: true });
    await rm(join(copy, 'checkpoints/.index.json'), { force: true });
  }
  const hf = join(plan.dir, 'hf');
  for (let i = 0; i < plan.hfRuns; i++) {
    const outputDir = join(hf, `hf-run-${String(i).padStart(3, '0')}`);
    for (let c = 1; c <= plan.hfCheckpointsPerRun; c++)
      writeHfCheckpoint(outputDir, c * 50, { maxSteps: plan.hfCheckpointsPerRun * 50 });
  }
  const kept = (await readdir(join(template, 'checkpoints'))).filter((n) => n.startsWith('checkpoint-')).length;
  return {
    dir: plan.dir,
    expectedRuns: plan.runs + plan.hfRuns,
    liveConfig: join(project, 'configs/live.yaml'),
    description: `${plan.runs} native runs x ${kept} checkpoints + ${plan.hfRuns} Hugging Face runs x ${plan.hfCheckpointsPerRun}`,
  };
}
