/**
 * `train --launcher slurm` (or a config with `launcher: {type: slurm}`): instead of training here,
 * write the run's batch script and submit it with sbatch. The job runs this same trainer with
 * `--launcher local`, resumes from the latest valid checkpoint on every restart, and saves and
 * requeues itself before its time limit. `--follow` prints the job's state until it ends.
 */
import * as path from 'node:path';
import { slurmLauncher } from '../../core/config/launcherSchema';
import type { SlurmLauncherConfig, TrainConfig } from '../../core/config/types';
import { SlurmClient } from '../../core/slurm/client';
import { describeJob } from '../../core/slurm/jobInfo';
import { followJob } from '../../core/slurm/jobControl';
import { submitBatchJob } from '../../core/slurm/submit';
import { trainerJobSpec } from '../../core/slurm/trainerJob';

export interface SubmitRequest {
  config: TrainConfig;
  /** The `--set` arguments, passed on to the job. */
  sets: readonly string[];
  device: string | undefined;
  json: boolean;
  follow: boolean;
  /** Aborts --follow (the job keeps running). */
  abort: AbortSignal;
}

/** The config's slurm launcher, or Slurm's defaults when the command line asked for slurm over a local config. */
function slurmSettings(config: TrainConfig): SlurmLauncherConfig {
  return config.launcher.type === 'slurm' ? config.launcher : slurmLauncher.parse({ type: 'slurm' });
}

/** The command that would train here: this Node, this trainer bundle, the same config and overrides. */
function localCommand(config: TrainConfig, sets: readonly string[], device: string | undefined): string[] {
  const command = [process.execPath, path.resolve(process.argv[1] ?? ''), 'train', '-t', config.config_path];
  for (const set of sets) command.push('--set', set);
  if (device !== undefined) command.push('-d', device);
  return command;
}

export async function submitToSlurm(request: SubmitRequest): Promise<number> {
  const { config } = request;
  const client = new SlurmClient();
  const spec = trainerJobSpec(config, {
    command: localCommand(config, request.sets, request.device),
    cwd: process.cwd(),
    launcher: slurmSettings(config),
  });
  const job = await submitBatchJob(client, spec);
  const say = (json: object, text: string): void => {
    process.stdout.write(request.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
  };
  say(
    { type: 'slurm_submitted', ...job },
    `submitted job ${job.jobId}; batch script ${job.script}; output ${job.output}`,
  );
  if (!request.follow) return 0;
  const last = await followJob(client, job.jobId, {
    onChange: (info) => say({ type: 'slurm_job', ...info }, describeJob(info)),
    abort: request.abort,
  });
  if (request.abort.aborted) return 0;
  return last?.state === 'COMPLETED' ? 0 : 1;
}
