/** Submitting the real trainer to the local test cluster and reading what its job wrote. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobInfo } from '../../../src/core/slurm/jobInfo';
import type { SlurmJobRecord } from '../../../src/core/slurm/submit';
import { type TrainerEvent, parseTrainerEvent } from '../../../src/core/protocol/trainerEvents';
import { type LocalSlurm, startOrSkip } from '../../support/localSlurm';
import { buildTrainer, cli } from '../reliability/helpers';
export { longRun } from '../../support/localSlurm';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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

export function eventsOfType<K extends TrainerEvent['type']>(
  events: TrainerEvent[],
  type: K,
): Array<Extract<TrainerEvent, { type: K }>> {
  return events.filter((e): e is Extract<TrainerEvent, { type: K }> => e.type === type);
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs` saying what it waited for. */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
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
export async function runToEnd(
  cluster: LocalSlurm,
  jobId: string,
  timeoutMs: number,
  onState?: (info: JobInfo) => void,
): Promise<JobInfo[]> {
  const seen: JobInfo[] = [];
  let waitingSince: number | null = null;
  return waitFor(`job ${jobId} to end`, timeoutMs, async () => {
    const info = await cluster.client.show(jobId);
    assert.ok(info, `Slurm forgot job ${jobId}`);
    const last = seen[seen.length - 1];
    if (!last || last.state !== info.state || last.reason !== info.reason || last.restarts !== info.restarts) {
      seen.push(info);
      onState?.(info);
    }
    // A requeued job waits out a begin time Slurm sets; started at once, its next launch has failed
    // now and then (FAILED before the script's first line), so it is started only after a pause
    // that lets the node finish the previous start.
    const delayed = info.state === 'PENDING' && info.reason === 'BeginTime';
    waitingSince = delayed ? (waitingSince ?? Date.now()) : null;
    if (delayed && Date.now() - waitingSince! >= 5000) await cluster.client.startNow(jobId).catch(() => undefined);
    return ['COMPLETED', 'FAILED', 'TIMEOUT', 'CANCELLED', 'NODE_FAIL', 'OUT_OF_MEMORY'].includes(info.state)
      ? seen
      : undefined;
  });
}

export function scontrol(cluster: LocalSlurm, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('scontrol', args, { env: cluster.env }, (error) => (error ? reject(error) : resolve())),
  );
}

export function readRunJson(dir: string): {
  status: string;
  step: number;
  start_step: number;
  slurm: { job_id: string; restart_count: number } | null;
} {
  return JSON.parse(readFileSync(join(dir, 'out', 'run.json'), 'utf8'));
}

/**
 * For a suite on the local cluster: starts it (and bundles the trainer) before the suite, skipping
 * the suite with the reason printed when it cannot start; stops it after; a fresh folder per test.
 */
export function useLocalSlurm(folderPrefix: string): { cluster(): LocalSlurm; dir(): string } {
  let cluster: LocalSlurm | null = null;
  let dir = '';
  before(async function () {
    cluster = await startOrSkip(this);
    await buildTrainer();
  });
  after(async () => {
    await cluster?.stop();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), folderPrefix));
  });
  // Retries: a cancelled job's trainer can still be removing its temporary folders.
  afterEach(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
  return { cluster: () => cluster!, dir: () => dir };
}
