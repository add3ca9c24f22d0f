/**
 * Resume: from a run's latest valid checkpoint or a chosen one, with the run's own config, into the
 * same folder. Before anything starts it settles what the resume would do (resumePlan.ts): a run
 * already at its max_steps is offered "Continue to N steps" (never a run that trains nothing), and
 * a checkpoint older than the run's newest asks before branching and moves the later checkpoints
 * aside (abandonedBranch.ts) so that retention, Resume (latest) and the loss curves follow the new
 * branch.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { external } from '../external/lazy';
import { moveAsideCheckpoints } from '../../core/checkpoint/abandonedBranch';
import { isIdle } from '../model/labels';
import { planResume, validateMaxSteps } from '../model/resumePlan';
import type { RunStore } from '../store/runStore';
import { latestValidCheckpoint, type CheckpointView, type RunView } from '../store/runView';
import type { TrainingHandle } from '../process/trainingService';
import type { RunsTreeProvider } from '../tree/runsTreeProvider';
import type { Prompts } from '../ui/prompts';
import { CONFIG_GLOB, pickResumeTarget, WORKSPACE_EXCLUDE } from './pickers';
import { commandTargets } from './targets';

export const BRANCH_CHOICE = 'Branch from Here';

export interface ResumeDeps {
  model: RunStore;
  tree: RunsTreeProvider;
  prompts: Prompts;
  startTraining(configPath: string, sets: string[]): Promise<TrainingHandle | undefined>;
}

/**
 * Resume(run?: node | runDir | checkpoint node | checkpoint path, checkpoint?: path | 'latest')
 * → TrainingHandle | undefined. Other tree elements (the view's title button passes the focused
 * one) and no argument open the picker.
 */
export function createResume(
  deps: ResumeDeps,
): (
  target?: unknown,
  checkpointArg?: unknown,
  options?: { checkpointOnly?: boolean },
) => Promise<TrainingHandle | undefined> {
  const { model, tree, prompts } = deps;
  const runOfCheckpoint = (checkpointPath: string): RunView | undefined =>
    model.runs().find((r) => r.checkpoints.some((c) => c.path === checkpointPath));

  return async (target?: unknown, checkpointArg?: unknown, options: { checkpointOnly?: boolean } = {}) => {
    let run: RunView | undefined;
    let checkpointPath: string | undefined;
    /** A checkpoint named by the user (Resume From Here, a checkpoint path, a pick): passed as its path. */
    let named = false;
    const [first] = commandTargets(target);
    if (first?.kind === 'path') {
      run = model.get(first.path);
      if (!run && (run = runOfCheckpoint(first.path))) checkpointPath = first.path;
    } else if (first?.kind === 'node' && (first.node.kind === 'run' || first.node.kind === 'checkpoint')) {
      run = tree.runOf(first.node);
      if (first.node.kind === 'checkpoint') checkpointPath = first.node.path;
    } else {
      const picked = await pickResumeTarget(model);
      if (!picked) return undefined;
      run = picked.run;
      if (picked.chosen) checkpointPath = picked.checkpoint.path;
    }
    named = checkpointPath !== undefined;
    // Resume From Here names a checkpoint: a run folder (or anything else) given to it starts nothing.
    if (options.checkpointOnly && first !== undefined && !named) {
      void vscode.window.showErrorMessage(
        `Training: ${first.kind === 'path' ? first.path : 'that item'} is not a listed checkpoint of a known run.`,
      );
      return undefined;
    }
    if (!run) {
      void vscode.window.showErrorMessage(
        `Training: ${first?.kind === 'path' ? first.path : 'that item'} is not a known run or checkpoint.`,
      );
      return undefined;
    }
    if (typeof checkpointArg === 'string' && checkpointArg !== 'latest') {
      checkpointPath = path.resolve(checkpointArg);
      named = true;
    }
    // Plain Resume: the newest valid checkpoint as listed settles the questions below; the trainer picks from the folders itself.
    checkpointPath ??= latestValidCheckpoint(run)?.path;
    const checkpoint = run.checkpoints.find((c) => c.path === checkpointPath);
    if (!checkpoint) {
      void vscode.window.showErrorMessage(`Training: ${run.name} has no valid checkpoint to resume from.`);
      return undefined;
    }
    if (!checkpoint.valid) {
      void vscode.window.showErrorMessage(
        `Training: ${checkpoint.name} is invalid and cannot be resumed: ${checkpoint.problems.join('; ')}`,
      );
      return undefined;
    }
    if (!isIdle(run)) {
      void vscode.window.showErrorMessage(`Training: ${run.name} is training; stop it before resuming.`);
      return undefined;
    }
    // A Hugging Face run trained from a terminal has no run.json: its external-trainer config names its folder.
    const configPath =
      run.record?.configPath ??
      (await external().findExternalConfigFor(
        run.dir,
        (await vscode.workspace.findFiles(CONFIG_GLOB, WORKSPACE_EXCLUDE)).map((u) => u.fsPath).sort(),
      ));
    if (!configPath) {
      void vscode.window.showErrorMessage(
        `Training: ${path.join(run.dir, 'run.json')} does not name the run's config, and no external_trainer config in the workspace writes to ${run.dir}, so it cannot be resumed from here; train its config with resume_from_checkpoint instead.`,
      );
      return undefined;
    }

    const plan = planResume(run, checkpoint);
    // Keep the run's own target even if it was started with a --set override of max_steps.
    let maxSteps = run.record?.maxSteps ?? null;
    if (plan.pastEnd) {
      const continued = await askContinue(prompts, run, checkpoint, plan.pastEnd);
      if (continued === undefined) return undefined;
      maxSteps = continued;
    }
    if (plan.later.length > 0) {
      if (!(await askBranch(prompts, run, checkpoint, plan.later))) return undefined;
      await moveAsideCheckpoints(
        run.dir,
        plan.later.map((c) => c.path),
      );
      await model.refresh(run.dir);
    }
    // JSON strings are valid YAML, so paths with spaces or colons survive --set parsing. Without a named
    // checkpoint the trainer decides from the checkpoint folders (never from a listing that may be stale).
    const sets = [
      `resume_from_checkpoint=${named ? JSON.stringify(checkpoint.path) : 'true'}`,
      `output_dir=${JSON.stringify(run.dir)}`,
    ];
    if (maxSteps) sets.push(`max_steps=${maxSteps}`);
    return deps.startTraining(configPath, sets);
  };
}

/** The new max_steps for a run that already reached its own (an input box), or undefined: nothing starts. */
async function askContinue(
  prompts: Prompts,
  run: RunView,
  checkpoint: CheckpointView,
  pastEnd: { step: number; maxSteps: number; proposedMaxSteps: number },
): Promise<number | undefined> {
  const typed = await prompts.input({
    title: `Continue ${run.name}: ${checkpoint.name} already reached max_steps ${pastEnd.maxSteps}`,
    prompt: `Continue to how many steps (max_steps, more than ${pastEnd.step})? Escape cancels: resuming as it is would train nothing.`,
    value: String(pastEnd.proposedMaxSteps),
    validate: (text) => validateMaxSteps(text, pastEnd.step),
  });
  return typed === undefined ? undefined : Number(typed.trim());
}

async function askBranch(
  prompts: Prompts,
  run: RunView,
  checkpoint: CheckpointView,
  later: CheckpointView[],
): Promise<boolean> {
  const names = later.map((c) => c.name).join(', ');
  const answer = await prompts.choose(
    'warning',
    `Resume ${run.name} from ${checkpoint.name}, an older checkpoint? This starts a new branch at step ${checkpoint.step}.`,
    {
      modal: true,
      detail: `The later checkpoint${later.length === 1 ? '' : 's'} ${names} belong${later.length === 1 ? 's' : ''} to the branch you leave: ${later.length === 1 ? 'it is' : 'they are'} moved to ${run.name}/abandoned-branches/, out of the run's checkpoints, so that retention, Resume and the loss curves follow the new branch only. Nothing is deleted.`,
    },
    BRANCH_CHOICE,
  );
  return answer === BRANCH_CHOICE;
}
