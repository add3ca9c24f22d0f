/**
 * Writes a run's batch script into its folder and submits it; records the job in slurm-job.json
 * beside it, so whoever looks at the run later (the extension, Stop All, the user) finds the job.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { BATCH_SCRIPT_NAME, type BatchScriptSpec, JOB_OUTPUT_PATTERN, renderBatchScript } from './batchScript';
import type { SlurmClient } from './client';

export const JOB_RECORD_NAME = 'slurm-job.json';

export interface SlurmJobRecord {
  jobId: string;
  /** The kept batch script. */
  script: string;
  /** The job's output file (every start appends to it). */
  output: string;
  submittedAt: string;
}

/** Nothing is written into the run folder when the machine cannot submit (SlurmSetupError). */
export async function submitBatchJob(client: SlurmClient, spec: BatchScriptSpec): Promise<SlurmJobRecord> {
  await client.checkSetup();
  await mkdir(spec.runDir, { recursive: true });
  const script = path.join(spec.runDir, BATCH_SCRIPT_NAME);
  await writeFile(script, renderBatchScript(spec), { mode: 0o755 });
  const jobId = await client.submit(script, spec.cwd);
  const record: SlurmJobRecord = {
    jobId,
    script,
    output: path.join(spec.runDir, JOB_OUTPUT_PATTERN.replace('%j', jobId)),
    submittedAt: new Date().toISOString(),
  };
  const file = path.join(spec.runDir, JOB_RECORD_NAME);
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return record;
}
