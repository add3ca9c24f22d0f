/**
 * The batch script a run is submitted with. It is written into the run's folder and kept, so the
 * user can read it and resubmit it with `sbatch` by hand.
 *
 * How it survives time limits and preemption:
 * - `--signal=B:USR1@N` makes Slurm signal the batch shell N seconds before the time limit. The
 *   shell forwards SIGTERM to the trainer (which finishes its step, saves and exits) and then
 *   requeues its own job with `scontrol requeue`, unless the trainer had already finished.
 * - `scontrol requeue` and preemption with requeue send SIGTERM to every process of the job: the
 *   trainer saves the same way and Slurm puts the job back in the queue itself.
 * - Stop (`scancel --signal=TERM --batch`) reaches the shell, which forwards SIGTERM without
 *   requeueing: the trainer saves and the job ends.
 * - On a restart (SLURM_RESTART_COUNT > 0) the restart arguments are appended, so the trainer
 *   resumes from the latest valid checkpoint; `--open-mode=append` keeps every start's output.
 */
import type { SlurmLauncherConfig } from '../config/launcherSchema';
import { shellJoin, shellQuote } from './shellQuote';

/** The signal Slurm sends before the time limit; Stop sends SIGTERM instead (no requeue). */
export const TIME_LIMIT_SIGNAL = 'USR1';
export const STOP_SIGNAL = 'TERM';
export const BATCH_SCRIPT_NAME = 'slurm-job.sh';
/** %j is the job id, the same across requeues, so all starts append to one file. */
export const JOB_OUTPUT_PATTERN = 'slurm-%j.out';

export interface BatchScriptSpec {
  jobName: string;
  /** The run folder: the script, the job output file and the trainer's files live here. */
  runDir: string;
  /** Working folder of the trainer. */
  cwd: string;
  launcher: SlurmLauncherConfig;
  /** The trainer's command line for the first start. */
  argv: readonly string[];
  /**
   * Appended on a restart, evaluated by the shell at that moment (so `$(...)` may find the newest
   * checkpoint); each item is one word after expansion.
   */
  restartArgs: readonly string[];
  /** Start the command with srun on every task (several nodes or tasks). */
  useSrun: boolean;
  /** Extra environment for the trainer. */
  env?: Readonly<Record<string, string>>;
}

export function sbatchDirectives(spec: BatchScriptSpec): string[] {
  const l = spec.launcher;
  const options: string[] = [
    `--job-name=${spec.jobName.replace(/[^A-Za-z0-9._-]/g, '_')}`,
    `--output=${directiveValue(`${spec.runDir}/${JOB_OUTPUT_PATTERN}`)}`,
    '--open-mode=append',
    '--requeue',
    `--signal=B:${TIME_LIMIT_SIGNAL}@${l.signal_seconds_before_end}`,
    `--nodes=${l.nodes}`,
    `--ntasks-per-node=${l.ntasks_per_node}`,
  ];
  if (l.partition !== undefined) options.push(`--partition=${l.partition}`);
  if (l.gpus_per_node !== undefined) options.push(`--gpus-per-node=${l.gpus_per_node}`);
  if (l.cpus_per_task !== undefined) options.push(`--cpus-per-task=${l.cpus_per_task}`);
  if (l.mem !== undefined) options.push(`--mem=${l.mem}`);
  if (l.time !== undefined) options.push(`--time=${l.time}`);
  if (l.account !== undefined) options.push(`--account=${l.account}`);
  if (l.qos !== undefined) options.push(`--qos=${l.qos}`);
  options.push(...l.extra_args);
  return options;
}

/** sbatch reads #SBATCH lines word by word; a value with spaces goes in double quotes. */
function directiveValue(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

export function renderBatchScript(spec: BatchScriptSpec): string {
  const lines = ['#!/bin/bash', ...sbatchDirectives(spec).map((option) => `#SBATCH ${option}`)];
  lines.push(
    '# Written by Training Runs; resubmit with: sbatch ' + shellQuote(`${spec.runDir}/${BATCH_SCRIPT_NAME}`),
    'set -u',
    // Traps first: Slurm may send the time-limit signal at any moment (up to a minute early), even
    // before the trainer has started; a signal that comes then is acted on once it has.
    'child=""',
    'requeue=0',
    'pending=0',
    'forward() { if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; else pending=1; fi; }',
    // The time-limit signal: save and come back, unless the trainer is already done.
    `trap 'if [ -z "$child" ] || kill -0 "$child" 2>/dev/null; then requeue=1; forward; fi' ${TIME_LIMIT_SIGNAL}`,
    `trap forward ${STOP_SIGNAL} INT`,
    `cd ${shellQuote(spec.cwd)} || exit 1`,
    'restarts="${SLURM_RESTART_COUNT:-0}"',
    'echo "training-runs: job ${SLURM_JOB_ID} start $((restarts + 1)) on $(hostname) at $(date -u +%FT%TZ)"',
  );
  for (const [key, value] of Object.entries(spec.env ?? {})) lines.push(`export ${key}=${shellQuote(value)}`);
  if (spec.useSrun) {
    // torchrun reads PET_* variables as its defaults: one rendezvous per job, on the first node.
    lines.push(
      'MASTER_ADDR="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"',
      'export MASTER_ADDR MASTER_PORT="${MASTER_PORT:-29500}"',
      'export PET_NNODES="$SLURM_NNODES" PET_RDZV_BACKEND=c10d PET_RDZV_ENDPOINT="$MASTER_ADDR:$MASTER_PORT" PET_RDZV_ID="$SLURM_JOB_ID"',
    );
  }
  lines.push(
    `args=(${shellJoin(spec.argv)})`,
    `if [ "$restarts" -gt 0 ]; then args+=(${spec.restartArgs.join(' ')}); fi`,
    spec.useSrun ? '"srun" --kill-on-bad-exit=1 "${args[@]}" &' : '"${args[@]}" &',
    'child=$!',
    'if [ "$pending" = 1 ]; then forward; fi',
    // wait returns early when a trapped signal arrives: wait again until the trainer has exited.
    'while kill -0 "$child" 2>/dev/null; do wait "$child"; done',
    'wait "$child"; status=$?',
    'echo "training-runs: trainer exited with status $status"',
    'if [ "$requeue" = 1 ]; then',
    '  echo "training-runs: time limit near: requeueing job ${SLURM_JOB_ID}"',
    '  scontrol requeue "$SLURM_JOB_ID"',
    'fi',
    'exit "$status"',
    '',
  );
  return lines.join('\n');
}
