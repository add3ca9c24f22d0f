// `npm run chaos -- --slurm [--trials N] [--json PATH] [--seed S] [--keep]`
//
// Requeue-at-any-moment test of the trainer as a Slurm job, on a real one-machine cluster
// (test/support/localSlurm.ts; skipped with the reason when it cannot start). One job; N times:
// wait a random moment after the current start began (loading, resuming, training or saving),
// `scontrol requeue` it, let the requeued job start at once (`scontrol update StartTime=now`), and
// check what the new start resumed from. Finally the job runs to max_steps.
//
// Checked (any failure is a violation, exit code 1):
//   - every checkpoint the job reported saved is still there and valid (save_total_limit: null);
//   - each start resumed from the newest committed checkpoint;
//   - progress lost per restart (the last step the stopped start reached minus the step the next
//     one resumed at) <= save_steps;
//   - the job completes at max_steps.
// Reported: requeues, progress lost (max, total), and requeue-to-resume time (scontrol requeue to
// the next start's `resumed` event), min / median / max.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { require as tsxRequire } from 'tsx/cjs/api';

const SAVE_STEPS = 25;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runSlurmChaos({ trials, seed, bundle, json, keep }) {
  const { startLocalSlurm } = tsxRequire('../test/support/localSlurm.ts', import.meta.url);
  const { listCheckpoints } = tsxRequire('../src/core/checkpoint/index.ts', import.meta.url);
  const { Rng } = tsxRequire('../src/trainer/util/rng.ts', import.meta.url);
  const rng = new Rng(seed);
  const started = await startLocalSlurm();
  if ('skip' in started) {
    process.stderr.write(`chaos --slurm: skipped: ${started.skip}\n`);
    return 0;
  }
  const cluster = started.cluster;
  const work = mkdtempSync(join(tmpdir(), 'chaos-slurm-'));
  const maxSteps = trials * 150 + 300;
  writeFileSync(
    join(work, 'chaos.yaml'),
    `name: chaos-slurm
seed: 11
max_steps: ${maxSteps}
batch_size: 16
backend: cpu
model: { type: mlp, hidden: [32], activation: relu }
data: { type: synthetic_classification, samples: 256, features: 8, classes: 3, noise: 0.2 }
optimizer: { type: adam, learning_rate: 0.01 }
save_steps: ${SAVE_STEPS}
save_total_limit: null
log_steps: 1
output_dir: run
launcher: { type: slurm }
`,
  );
  const violations = [];
  const violation = (trial, message) => {
    violations.push({ trial, message });
    process.stderr.write(`trial ${trial}: VIOLATION ${message}\n`);
  };
  const client = cluster.client;
  const submitted = spawnSync(
    process.execPath,
    [bundle, 'train', '-t', 'chaos.yaml', '--launcher', 'slurm', '--json'],
    { cwd: work, env: cluster.env, encoding: 'utf8' },
  );
  if (submitted.status !== 0) {
    await cluster.stop();
    process.stderr.write(`chaos --slurm: submitting failed: ${submitted.stderr}\n`);
    return 2;
  }
  const job = JSON.parse(submitted.stdout.trim().split('\n')[0]);
  process.stderr.write(
    `chaos --slurm: job ${job.jobId}, ${trials} requeues, ${maxSteps} steps, in ${work} (seed ${seed})\n`,
  );

  /** The trainer's JSON events in the job output, each tagged with the start it belongs to. */
  const events = () => {
    if (!existsSync(job.output)) return [];
    let start = 0;
    const out = [];
    for (const line of readFileSync(job.output, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      if (event.type === 'started') start++;
      out.push({ ...event, start });
    }
    return out;
  };
  const waitUntil = async (what, check, timeoutMs = 300_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  };
  /** Lets a requeued job start now instead of after Slurm's credential lifetime. */
  const releaseWhenPending = async () => {
    const info = await client.show(job.jobId);
    if (info?.state === 'PENDING' && info.reason === 'BeginTime')
      await client.startNow(job.jobId).catch(() => undefined);
    return info;
  };

  const counts = {
    trials,
    requeues: 0,
    checkpointsLost: 0,
    maxProgressLost: 0,
    totalProgressLost: 0,
    resumedNotFromNewest: 0,
  };
  const resumeSeconds = [];
  try {
    for (let trial = 1; trial <= trials; trial++) {
      await waitUntil(
        `start ${trial} of the job`,
        async () =>
          (await releaseWhenPending())?.state === 'RUNNING' &&
          events().some((e) => e.type === 'started' && e.start === trial),
      );
      // A random moment of this start: loading, resuming, stepping or saving.
      await sleep(Math.floor(rng.next() * 3000));
      const committedBefore = new Set(
        events()
          .filter((e) => e.type === 'checkpoint_saved')
          .map((e) => e.name),
      );
      const requeuedAt = Date.now();
      try {
        await client.requeue(job.jobId);
      } catch (error) {
        violation(trial, `scontrol requeue failed: ${error.message}`);
        break;
      }
      counts.requeues++;
      const resumed = await waitUntil(`start ${trial + 1} to resume`, async () => {
        await releaseWhenPending();
        return events().find((e) => e.start === trial + 1 && (e.type === 'resumed' || e.type === 'step'));
      });
      resumeSeconds.push((resumed.time ?? Date.now()) / 1000 - requeuedAt / 1000);
      const all = events();
      const previous = all.filter((e) => e.start === trial);
      const reached = Math.max(
        0,
        ...previous.filter((e) => e.type === 'step' || e.type === 'finished').map((e) => e.step),
        ...previous.filter((e) => e.type === 'started').map((e) => e.startStep),
      );
      const saved = all.filter((e) => e.type === 'checkpoint_saved' && e.start <= trial);
      const newestSaved = Math.max(0, ...saved.map((e) => e.step));
      const resumedStep = resumed.type === 'resumed' ? resumed.step : 0;
      if (resumedStep !== newestSaved) {
        counts.resumedNotFromNewest++;
        violation(trial, `resumed at step ${resumedStep}, but the newest saved checkpoint is step ${newestSaved}`);
      }
      const lost = reached - resumedStep;
      counts.maxProgressLost = Math.max(counts.maxProgressLost, lost);
      counts.totalProgressLost += Math.max(0, lost);
      if (lost > SAVE_STEPS)
        violation(
          trial,
          `progress lost ${lost} steps (reached ${reached}, resumed at ${resumedStep}) > save_steps ${SAVE_STEPS}`,
        );
      const listed = new Set((await listCheckpoints(join(work, 'run'))).filter((c) => c.valid).map((c) => c.name));
      const lostNames = [...committedBefore].filter((name) => !listed.has(name));
      counts.checkpointsLost += lostNames.length;
      if (lostNames.length > 0) violation(trial, `committed checkpoints lost: ${lostNames.join(', ')}`);
      process.stderr.write(
        `trial ${trial}: reached ${reached}, resumed at ${resumedStep} after ${resumeSeconds.at(-1).toFixed(1)} s\n`,
      );
    }
    const end = await waitUntil(
      'the job to end',
      async () => {
        const info = await releaseWhenPending();
        return info && ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT'].includes(info.state) ? info : undefined;
      },
      900_000,
    );
    const finished = events()
      .filter((e) => e.type === 'finished')
      .at(-1);
    if (end.state !== 'COMPLETED' || finished?.status !== 'finished' || finished.step !== maxSteps) {
      violation(
        'end',
        `the job ended ${end.state}, trainer ${finished?.status ?? 'silent'} at step ${finished?.step}, expected completed at ${maxSteps}`,
      );
    }
  } catch (error) {
    violation('run', error.message);
  } finally {
    await client.cancel(job.jobId).catch(() => undefined);
    await cluster.stop();
  }
  const sorted = [...resumeSeconds].sort((a, b) => a - b);
  const report = {
    ...counts,
    saveSteps: SAVE_STEPS,
    requeueToResumeSeconds: sorted.length
      ? { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) }
      : null,
    violations,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (json) writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  if (!keep) rmSync(work, { recursive: true, force: true });
  return violations.length === 0 ? 0 : 1;
}
