/**
 * The batch job of a built-in-trainer run, whoever submits it (the command line or the extension):
 * the trainer command line that would train here, made to train here inside the job
 * (`--launcher local`), with JSON events in the job output and a resume on every restart.
 */
import type { SlurmLauncherConfig, TrainConfig } from '../config/types';
import type { BatchScriptSpec } from './batchScript';

export interface TrainerJobOptions {
  /** Executable, trainer script and `train` arguments, as they would run locally. */
  command: readonly string[];
  cwd: string;
  launcher: SlurmLauncherConfig;
  env?: Readonly<Record<string, string>>;
}

export function trainerJobSpec(config: TrainConfig, options: TrainerJobOptions): BatchScriptSpec {
  return {
    jobName: config.name,
    runDir: config.output_dir,
    cwd: options.cwd,
    launcher: options.launcher,
    argv: [...options.command, '--launcher', 'local', '--json'],
    restartArgs: ['--set', 'resume_from_checkpoint=true'],
    useSrun: false,
    ...(options.env ? { env: options.env } : {}),
  };
}
