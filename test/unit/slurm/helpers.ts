/** Submitting the real trainer to the local test cluster and reading what its job wrote. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobInfo } from '../../../src/core/slurm/jobInfo';
import type { SlurmJobRecord } from '../../../src/core/slurm/submit';
import { type TrainerEvent, parseTrainerEvent } from '../../../src/core/protocol/trainerEvents';
import type { LocalSlurm } from '../../support/localSlurm';
import { cli } from '../reliability/helpers';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A run long enough to be interrupted: about 50-100 steps per second here on the cpu backend. */
export function longRun(maxSteps: number, launcher: string): string {
  return `name: cluster
seed: 3
max_steps: ${maxSteps}
batch_size: 32
backend: cpu
model: { type: mlp, hidden: [64, 64], activation: relu }
data: { type: synthetic_classification, samples: 512, features: 20, classes: 4 }
optimizer: { type: adam, learning_rate: 0.01 }
output_dir: out
log_steps: 50
save_steps: 100
save_total_limit: null
launcher: ${launcher}
`;
}

/** `train --launcher slurm --json` with the cluster's environment: the job record it printed. */
export async function submit(cluster: LocalSlurm, dir: string, config: string): Promise<SlurmJobRecord> {
  const result = await cli(['train', '-t', config, '--launcher', 'slurm', '--json'], { cwd: dir, env: cluster.env });
  assert.equal(result.code, 0, `submit failed: ${result.stderr}`);
  const submitted = JSON.parse(result.stdout.trim().split('\n')[0]!) as SlurmJobRecord & { type: string };
  assert.equal(submitted.type, 'slurm_submitted');
  return submitted;
}

/** The trainer events (JSON lines) among the job output file's lines, in order. */
export function jobEvents(output: string): TrainerEvent[] {
  if (!existsSync(output)) return [];
  return readFileSync(output, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      const parsed = parseTrainerEvent(JSON.parse(line));
      return parsed.ok ? [parsed.value] : [];
    });
}

export function eventsOfType<K extends TrainerEvent['type']>(events: TrainerEvent[], type: K): Array<Extract<TrainerEvent, { type: K }>> {
  return events.filter((e): e is Extract<TrainerEvent, { type: K }> => e.type === type);
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

/**
 * Follows a job to its end, letting each requeued start begin at once (Slurm otherwise holds a
 * requeued job for its credential lifetime, 120 s by default). Returns the states seen.
 */
export async function runToEnd(cluster: LocalSlurm, jobId: string, timeoutMs: number, onState?: (info: JobInfo) => void): Promise<JobInfo[]> {
  const seen: JobInfo[] = [];
  return waitFor(`job ${jobId} to end`, timeoutMs, async () => {
    const info = await cluster.client.show(jobId);
    assert.ok(info, `Slurm forgot job ${jobId}`);
    const last = seen[seen.length - 1];
    if (!last || last.state !== info.state || last.reason !== info.reason || last.restarts !== info.restarts) {
      seen.push(info);
      onState?.(info);
    }
    if (info.state === 'PENDING' && info.reason === 'BeginTime') await cluster.client.startNow(jobId).catch(() => undefined);
    return ['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED', 'NODE_FAIL', 'OUT_OF_MEMORY'].includes(info.state) ? seen : undefined;
  });
}

export function scontrol(cluster: LocalSlurm, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile('scontrol', args, { env: cluster.env }, (error) => (error ? reject(error) : resolve())));
}

export function readRunJson(dir: string): { status: string; step: number; start_step: number; slurm: { job_id: string; restart_count: number } | null } {
  return JSON.parse(readFileSync(join(dir, 'out', 'run.json'), 'utf8'));
}
