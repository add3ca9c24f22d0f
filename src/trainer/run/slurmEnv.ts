/** Which Slurm job and which start of it this trainer is, from the environment Slurm gives a job. */
export interface SlurmJobStart {
  job_id: string;
  /** 0 for the first start; one more after each requeue (SLURM_RESTART_COUNT). */
  restart_count: number;
}

export function slurmJobStart(env: NodeJS.ProcessEnv = process.env): SlurmJobStart | null {
  const jobId = env['SLURM_JOB_ID'];
  if (!jobId) return null;
  const restarts = Number(env['SLURM_RESTART_COUNT'] ?? 0);
  return { job_id: jobId, restart_count: Number.isInteger(restarts) && restarts >= 0 ? restarts : 0 };
}
