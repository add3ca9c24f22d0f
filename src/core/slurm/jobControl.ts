/**
 * Following and stopping a submitted job through a SlurmClient: poll its state at a modest rate and
 * report each change (state, reason or restart count); stop it by asking the trainer to save first.
 */
import { STOP_SIGNAL } from './batchScript';
import type { SlurmClient } from './client';
import { isFinalState, type JobInfo } from './jobInfo';

const delay = (ms: number, abort?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    abort?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export interface FollowOptions {
  intervalMs?: number;
  /** Called with the first state and with every change of state, reason or restart count. */
  onChange(info: JobInfo): void;
  abort?: AbortSignal;
}

/** Polls until the job reaches a final state (returned), Slurm forgets it (null) or `abort` fires (the last state seen). */
export async function followJob(client: SlurmClient, jobId: string, options: FollowOptions): Promise<JobInfo | null> {
  let last: JobInfo | null = null;
  for (;;) {
    const info = await client.show(jobId);
    if (!info) return last;
    if (!last || info.state !== last.state || info.reason !== last.reason || info.restarts !== last.restarts)
      options.onChange(info);
    last = info;
    if (isFinalState(info.state) || options.abort?.aborted) return info;
    await delay(options.intervalMs ?? 2000, options.abort);
  }
}

export type StopOutcome = 'ended' | 'cancelled' | 'not_running';

/**
 * SIGTERM to the batch shell, which forwards it to the trainer (it finishes its step, saves and
 * exits, and the job ends without a requeue); `scancel` when the job is still there after
 * `timeoutMs`. A pending job has nothing to save and is cancelled at once.
 */
export async function stopJob(
  client: SlurmClient,
  jobId: string,
  options: { timeoutMs: number; pollMs?: number },
): Promise<StopOutcome> {
  const info = await client.show(jobId);
  if (!info || isFinalState(info.state)) return 'not_running';
  if (info.state !== 'RUNNING') {
    await client.cancel(jobId);
    return 'cancelled';
  }
  await client.signal(jobId, STOP_SIGNAL, 'batch');
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline) {
    await delay(options.pollMs ?? 500);
    const now = await client.show(jobId);
    if (!now || isFinalState(now.state)) return 'ended';
  }
  await client.cancel(jobId);
  return 'cancelled';
}
