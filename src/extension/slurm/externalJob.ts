/**
 * An external-trainer config (`external_trainer:`) with `launcher: {type: slurm}` as a batch job:
 * the command runs on the allocated node(s), through srun on every task when there is more than one
 * (torchrun finds its rendezvous in the variables the script exports), and on each restart the
 * config's resume_args are appended with the newest `checkpoint-<step>` folder then present. The
 * extension follows the job's Hugging Face checkpoints on disk as it does for a local external
 * trainer and keeps the run's run.json. vscode-free.
 */
import type { SlurmLauncherConfig } from '../../core/config/launcherSchema';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import type { BatchScriptSpec } from '../../core/slurm/batchScript';
import { shellQuote } from '../../core/slurm/shellQuote';
import { CHECKPOINT_SLOT, type ExternalTrainerPlan } from '../external/externalConfig';
import { externalStartEvents, type ExternalStart } from '../external/externalTrainerProcess';
import { HfRunFollower } from '../external/hfRunFollower';
import { writeExternalRunRecord } from '../external/runRecordFile';
import type { TrainerExit } from '../process/trainerProcess';

/**
 * The newest checkpoint-<step> folder of `outputDir` when the shell evaluates it (sort -V orders
 * the step numbers); empty when there is none yet.
 */
function newestCheckpointExpression(outputDir: string): string {
  return `"$(ls -1d ${shellQuote(outputDir)}/checkpoint-[0-9]* 2>/dev/null | sort -V | tail -n 1)"`;
}

/** resume_args as shell words, {checkpoint} evaluated on the restart. */
function restartWords(plan: ExternalTrainerPlan): string[] {
  return (plan.resumeArgsWithSlot ?? []).map((arg) =>
    arg
      .split(CHECKPOINT_SLOT)
      .map((part) => (part === '' ? '' : shellQuote(part)))
      .join(newestCheckpointExpression(plan.outputDir)),
  );
}

export function externalJobSpec(plan: ExternalTrainerPlan, launcher: SlurmLauncherConfig): BatchScriptSpec {
  return {
    jobName: plan.name,
    runDir: plan.outputDir,
    cwd: plan.cwd,
    launcher,
    argv: plan.argv,
    restartArgs: restartWords(plan),
    useSrun: launcher.nodes * launcher.ntasks_per_node > 1,
    env: { PYTHONUNBUFFERED: '1', ...plan.env },
  };
}

/** What the job's files say, turned into trainer events (SlurmJobRun's `files`). */
export interface JobFiles {
  /** The job runs (its first start, or again after a requeue). */
  running(): Promise<void>;
  /** The job ended with this status: the last checkpoints are reported, then `finished`. */
  ended(status: TrainerExit['status'], error: string | null): Promise<void>;
  dispose(): void;
}

export class ExternalJobFiles implements JobFiles {
  private follower: HfRunFollower | null = null;
  private readonly submittedAt = Date.now();

  /** `start`: what was on disk before the submit (prepareExternalStart). */
  constructor(
    private readonly plan: ExternalTrainerPlan,
    private readonly start: ExternalStart,
    private readonly emit: (event: TrainerEvent) => void,
  ) {}

  async running(): Promise<void> {
    if (this.follower) return; // a restart: the follower goes on reporting checkpoints as they come
    const start = this.start;
    this.follower = new HfRunFollower({
      outputDir: this.plan.outputDir,
      existing: start.existing,
      reportedStep: start.startStep,
      maxSteps: start.maxSteps,
      emit: this.emit,
    });
    await writeExternalRunRecord(this.plan, { status: 'training', pid: null, startedAt: this.submittedAt });
    for (const event of externalStartEvents(this.plan, start, 0)) this.emit(event);
    this.follower.start();
  }

  async ended(status: TrainerExit['status'], error: string | null): Promise<void> {
    // A job that ran between two polls was never seen running: its checkpoints are reported now.
    if (!this.follower && status !== 'failed') await this.running();
    const follower = this.follower;
    if (follower) {
      follower.stopWatching();
      await follower.poll();
      const { step, loss } = follower.progress;
      if (status !== 'failed')
        this.emit({ type: 'finished', status, step, loss, durationMs: Date.now() - this.submittedAt });
    }
    await writeExternalRunRecord(this.plan, {
      status,
      pid: null,
      startedAt: this.submittedAt,
      endedAt: Date.now(),
      exitCode: null,
      error,
    });
  }

  dispose(): void {
    this.follower?.dispose();
  }
}
