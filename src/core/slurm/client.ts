/**
 * Slurm's own commands, run without a shell: sbatch, scontrol, squeue, scancel. Every failure is a
 * SlurmError naming the command and what Slurm printed.
 */
import { execFile } from 'node:child_process';
import { type JobInfo, parseScontrolJob, parseSqueue, type QueuedJob, SQUEUE_FORMAT } from './jobInfo';
import { checkSlurmSetup } from './setup';

export class SlurmError extends Error {
  override readonly name = 'SlurmError';
  constructor(
    message: string,
    readonly command: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

export interface SlurmClientOptions {
  /** Environment of the commands (SLURM_CONF, PATH); default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Per command; a controller that does not answer is an error, not a hang. */
  timeoutMs?: number;
}

/** Slurm's answer for a job it no longer (or never) knew. */
const UNKNOWN_JOB = /Invalid job id specified/i;

export class SlurmClient {
  constructor(private readonly options: SlurmClientOptions = {}) {}

  /** Throws SlurmSetupError (what is missing, how to fix it) when these commands cannot reach a cluster's configuration. */
  checkSetup(): Promise<void> {
    return checkSlurmSetup(this.options.env ?? process.env);
  }

  /** sbatch --parsable: the job id ("123", or "123;cluster" on federations). */
  async submit(scriptPath: string, cwd: string): Promise<string> {
    const out = await this.run('sbatch', ['--parsable', scriptPath], cwd);
    const jobId = out.trim().split('\n').pop()?.split(';')[0]?.trim() ?? '';
    if (!/^\d+$/.test(jobId)) throw new SlurmError(`sbatch printed no job id: ${out.trim()}`, 'sbatch', out);
    return jobId;
  }

  /** The job's state, or null when Slurm does not know the id (long finished or never submitted). */
  async show(jobId: string): Promise<JobInfo | null> {
    try {
      return parseScontrolJob(await this.run('scontrol', ['show', 'job', '-o', jobId]));
    } catch (error) {
      if (error instanceof SlurmError && UNKNOWN_JOB.test(error.stderr)) return null;
      throw error;
    }
  }

  /** Jobs in the queue (pending, running, completing), optionally only these ids. */
  async queue(jobIds?: readonly string[]): Promise<QueuedJob[]> {
    if (jobIds?.length === 0) return [];
    const args = ['--noheader', `--format=${SQUEUE_FORMAT}`, ...(jobIds ? [`--jobs=${jobIds.join(',')}`] : [])];
    try {
      return parseSqueue(await this.run('squeue', args));
    } catch (error) {
      // squeue --jobs fails when none of the ids is known any more.
      if (jobIds && error instanceof SlurmError && UNKNOWN_JOB.test(error.stderr)) return [];
      throw error;
    }
  }

  /** scancel --signal: `batch` reaches only the batch shell (which forwards it), `full` every process of the job. */
  async signal(jobId: string, signal: string, scope: 'batch' | 'full'): Promise<void> {
    await this.run('scancel', [`--signal=${signal}`, scope === 'batch' ? '--batch' : '--full', jobId]);
  }

  async cancel(jobId: string): Promise<void> {
    await this.run('scancel', [jobId]);
  }

  /** scontrol requeue: a running job is ended (its processes get SIGTERM) and queued again. */
  async requeue(jobId: string): Promise<void> {
    await this.run('scontrol', ['requeue', jobId]);
  }

  /** Lets a pending job start now rather than at its begin time (a requeued job waits for one). */
  async startNow(jobId: string): Promise<void> {
    await this.run('scontrol', ['update', `JobId=${jobId}`, 'StartTime=now']);
  }

  private run(command: string, args: string[], cwd?: string): Promise<string> {
    const line = [command, ...args].join(' ');
    return new Promise((resolve, reject) => {
      execFile(
        command,
        args,
        { cwd, env: this.options.env ?? process.env, timeout: this.options.timeoutMs ?? 30_000, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (!error) return resolve(stdout);
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT')
            return reject(
              new SlurmError(
                `${command} not found: run where Slurm's commands are installed (a login node), or add them to PATH`,
                line,
                stderr,
              ),
            );
          const said = (stderr || stdout || error.message).trim().split('\n')[0];
          reject(new SlurmError(`${line} failed: ${said}`, line, stderr));
        },
      );
    });
  }
}
