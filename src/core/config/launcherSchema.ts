/**
 * The `launcher:` section: where a run's trainer runs. `local` (the default) is a child process of
 * the editor or command line; `slurm` submits a batch job (src/core/slurm) that runs the same
 * trainer, or the config's external_trainer command, on a cluster node and survives time limits
 * and preemption by saving, requeueing and resuming.
 */
import * as z from 'zod';
import { parseSlurmTime } from '../slurm/time';

export const LAUNCHER_KEY = 'launcher';

/** sbatch options Training Runs sets itself; extra_args must not change them. */
export const RESERVED_SBATCH_OPTIONS = [
  '--signal',
  '--requeue',
  '--no-requeue',
  '--output',
  '--error',
  '--open-mode',
  '--parsable',
  '--chdir',
  '--job-name',
  '--wrap',
] as const;

const localLauncher = z.strictObject({
  type: z.literal('local').describe('Run the trainer as a process on this machine.'),
});

const optionalText = (what: string) => z.string().min(1).optional().describe(what);
const optionalCount = (min: number, what: string) => z.number().int().min(min).optional().describe(what);

export const slurmLauncher = z
  .strictObject({
    type: z
      .literal('slurm')
      .describe(
        'Submit the run as a Slurm batch job (sbatch) that requeues and resumes on time limits and preemption.',
      ),
    partition: optionalText("Partition (sbatch --partition); default: the cluster's default partition."),
    nodes: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('Nodes (sbatch --nodes). More than one needs an external_trainer started through srun.'),
    ntasks_per_node: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe(
        'Tasks per node (sbatch --ntasks-per-node); each task runs the external trainer command once through srun.',
      ),
    gpus_per_node: optionalCount(0, 'GPUs per node (sbatch --gpus-per-node).'),
    cpus_per_task: optionalCount(1, 'CPUs per task (sbatch --cpus-per-task).'),
    mem: z
      .string()
      .regex(/^\d+[KMGT]?$/i, 'a size such as 16G or 4000M')
      .optional()
      .describe('Memory per node (sbatch --mem), e.g. 16G or 4000M.'),
    time: z
      .string()
      .optional()
      .describe('Time limit (sbatch --time): minutes, HH:MM:SS, or D-HH:MM:SS. The job saves and requeues before it.'),
    account: optionalText('Account charged (sbatch --account).'),
    qos: optionalText('Quality of service (sbatch --qos).'),
    extra_args: z
      .array(z.string().min(1))
      .default([])
      .describe('More sbatch options, each one argument, e.g. ["--constraint=a100", "--exclusive"].'),
    signal_seconds_before_end: z
      .number()
      .int()
      .min(1)
      .default(120)
      .describe(
        'Seconds before the time limit at which Slurm signals the job: the trainer saves a checkpoint and the job requeues itself.',
      ),
  })
  .superRefine((launcher, ctx) => {
    const limit = launcher.time === undefined ? null : parseSlurmTime(launcher.time);
    if (limit === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['time'],
        message: `${JSON.stringify(launcher.time)} is not a Slurm time limit; expected minutes, MM:SS, HH:MM:SS or D-HH:MM:SS`,
      });
    }
    if (typeof limit === 'number' && launcher.signal_seconds_before_end >= limit) {
      ctx.addIssue({
        code: 'custom',
        path: ['signal_seconds_before_end'],
        message: `${launcher.signal_seconds_before_end} s is not before the end of a ${limit} s time limit; expected fewer seconds than launcher.time`,
      });
    }
    launcher.extra_args.forEach((arg, index) => {
      const reserved = RESERVED_SBATCH_OPTIONS.find((option) => arg === option || arg.startsWith(`${option}=`));
      if (reserved) {
        ctx.addIssue({
          code: 'custom',
          path: ['extra_args', index],
          message: `${reserved} is set by Training Runs; expected other sbatch options`,
        });
      } else if (!arg.startsWith('-')) {
        ctx.addIssue({
          code: 'custom',
          path: ['extra_args', index],
          message: `"${arg}" is not an option; expected one sbatch option per item, e.g. "--exclusive"`,
        });
      }
    });
  });

export const launcherSchema = z
  .discriminatedUnion('type', [localLauncher, slurmLauncher])
  .prefault({ type: 'local' })
  .describe('Where the trainer runs: `local` (default) or a Slurm batch job (`slurm`).');

export type LauncherConfig = z.output<typeof launcherSchema>;
export type SlurmLauncherConfig = Extract<LauncherConfig, { type: 'slurm' }>;
