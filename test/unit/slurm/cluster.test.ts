/**
 * The trainer on a real one-machine Slurm cluster (test/support/localSlurm.ts): submit, follow,
 * requeue, time limit, Stop, and a launcher config error. Skipped, with the reason printed, where
 * the cluster cannot start.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopJob } from '../../../src/core/slurm/jobControl';
import { listCheckpoints } from '../../../src/core/checkpoint';
import type { LocalSlurm } from '../../support/localSlurm';
import { assertOneLine, cli } from '../reliability/helpers';
import {
  eventsOfType,
  jobEvents,
  longRun,
  readRunJson,
  runToEnd,
  scontrol,
  submit,
  useLocalSlurm,
  waitFor,
} from './helpers';

describe('Slurm: the trainer on a real local cluster', function () {
  this.timeout(600_000);
  const slurm = useLocalSlurm('slurm-run-');
  let cluster: LocalSlurm | null = null;
  let dir: string;
  beforeEach(() => {
    cluster = slurm.cluster();
    dir = slurm.dir();
  });

  const write = (text: string): string => {
    const file = join(dir, 'cluster.yaml');
    writeFileSync(file, text);
    return file;
  };

  it('submits the run: pending, then running, then completed at max_steps, with the batch script kept', async () => {
    const c = cluster!;
    // --hold keeps it pending until released, so "pending" is seen for certain.
    const job = await submit(c, dir, write(longRun(200, '{ type: slurm, extra_args: ["--hold"] }')));
    assert.equal(readFileSync(job.script, 'utf8').split('\n')[0], '#!/bin/bash');
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out', 'slurm-job.json'), 'utf8')).jobId, job.jobId);
    const pending = await c.client.show(job.jobId);
    assert.equal(pending?.state, 'PENDING');
    await scontrol(c, ['release', job.jobId]);
    const states = (await runToEnd(c, job.jobId, 120_000)).map((info) => info.state);
    assert.deepEqual(
      [states[0], states.includes('RUNNING'), states[states.length - 1]],
      ['PENDING', true, 'COMPLETED'],
    );
    const run = readRunJson(dir);
    assert.deepEqual([run.status, run.step, run.slurm], ['finished', 200, { job_id: job.jobId, restart_count: 0 }]);
  });

  it("--follow prints the job's states until it ends, and exits 0 when it completed", async () => {
    const c = cluster!;
    // Long enough (several seconds on an idle machine) that one of the 2 s polls sees it running:
    // 400 steps ended between two polls on an idle machine.
    const result = await cli(['train', '-t', write(longRun(3000, '{ type: slurm }')), '--follow'], {
      cwd: dir,
      env: c.env,
    });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^submitted job (\d+); batch script .*slurm-job\.sh; output .*slurm-\d+\.out$/);
    assert.match(lines[lines.length - 1]!, /^job \d+: completed$/);
    assert.ok(
      lines.some((line) => /^job \d+: running$/.test(line)),
      result.stdout,
    );
  });

  it('a job requeued mid-run (scontrol requeue) saves, resumes from its latest checkpoint and finishes at max_steps', async () => {
    const c = cluster!;
    const maxSteps = 1500;
    const job = await submit(c, dir, write(longRun(maxSteps, '{ type: slurm }')));
    await waitFor('a checkpoint at step 300 or later', 120_000, () =>
      eventsOfType(jobEvents(job.output), 'checkpoint_saved').find((e) => e.step >= 300),
    );
    const requeuedAt = Date.now();
    await c.client.requeue(job.jobId);
    const seen = await runToEnd(c, job.jobId, 300_000);
    assert.ok(
      seen.some((info) => info.state === 'PENDING' && info.restarts === 1),
      `states: ${seen.map((i) => `${i.state}/${i.reason}/${i.restarts}`).join(' ')}`,
    );
    const events = jobEvents(job.output);
    const [first, second] = eventsOfType(events, 'finished');
    assert.equal(first?.status, 'stopped', 'the first start saved and stopped on the requeue');
    const resumed = eventsOfType(events, 'resumed');
    assert.equal(resumed.length, 1);
    assert.equal(resumed[0]!.step, first!.step, 'resumed exactly where the first start stopped: no progress lost');
    assert.equal(second?.status, 'finished');
    assert.equal(second?.step, maxSteps);
    const run = readRunJson(dir);
    assert.deepEqual(
      [run.status, run.step, run.start_step, run.slurm?.restart_count],
      ['finished', maxSteps, first!.step, 1],
    );
    const startedAgain = eventsOfType(events, 'started')[1]!;
    console.log(
      `      requeue to resumed training: ${((startedAgain.time - requeuedAt) / 1000).toFixed(1)} s (with StartTime=now)`,
    );
    // One continuous curve: metrics.jsonl has a resume marker at the resumed step.
    const metrics = readFileSync(join(dir, 'out', 'metrics.jsonl'), 'utf8');
    assert.match(metrics, new RegExp(`"event":"resumed","step":${first!.step}`));
  });

  it('a 1-minute time limit: the signal before the end saves and requeues, and the run finishes across restarts', async () => {
    const c = cluster!;
    const launcher = '{ type: slurm, time: "1", signal_seconds_before_end: 30 }';
    // More steps than any machine trains in the 30 s before the signal; once the limit has stopped
    // the first start, the config asks for 200 steps more, which the restarted job reads and finishes.
    const config = write(longRun(1_000_000, launcher));
    let maxSteps = 0;
    const job = await submit(c, dir, config);
    const seen = await runToEnd(c, job.jobId, 540_000, (info) => {
      console.log(`      ${info.state} ${info.reason} restarts=${info.restarts}`);
      const stopped = eventsOfType(jobEvents(job.output), 'finished').at(-1);
      if (maxSteps === 0 && info.restarts >= 1 && stopped?.status === 'stopped') {
        maxSteps = stopped.step + 200;
        writeFileSync(config, longRun(maxSteps, launcher));
      }
    });
    const output = readFileSync(job.output, 'utf8');
    assert.equal(
      seen[seen.length - 1]!.state,
      'COMPLETED',
      `the job's output, without its JSON events:\n${output
        .split('\n')
        .filter((l) => !l.startsWith('{'))
        .join('\n')}\nits failures: ${eventsOfType(jobEvents(job.output), 'failed')
        .map((f) => JSON.stringify(f))
        .join('\n')}`,
    );
    const events = jobEvents(job.output);
    const finished = eventsOfType(events, 'finished');
    const restarts = finished.length - 1;
    assert.ok(
      restarts >= 1,
      `expected the time limit to stop the run at least once, got ${finished.map((f) => `${f.status}@${f.step}`).join(', ')}`,
    );
    for (const stop of finished.slice(0, -1)) assert.equal(stop.status, 'stopped');
    assert.deepEqual(
      eventsOfType(events, 'resumed').map((r) => r.step),
      finished.slice(0, -1).map((f) => f.step),
      'each start resumed where the previous one saved',
    );
    assert.equal(finished[finished.length - 1]!.step, maxSteps);
    // Each start of the job echoes Slurm's SLURM_RESTART_COUNT (as "start K" = count + 1) and runs the
    // trainer once; run.json must record the count of the start that finished the run. The count is
    // Slurm's: two stops have come with a final count of 1 (seen twice), so it is read from the
    // job's own output rather than assumed to be one more per stop.
    const starts = [...readFileSync(job.output, 'utf8').matchAll(/^training-runs: job \d+ start (\d+) /gm)].map((m) =>
      Number(m[1]),
    );
    // A start signalled before its trainer could install its handler ends with no event and is
    // requeued (batchScript.ts), so there may be more starts than trainers that finished.
    assert.ok(starts.length >= finished.length, `starts ${starts.join(', ')}, trainers finished ${finished.length}`);
    assert.equal(
      readRunJson(dir).slurm?.restart_count,
      starts[starts.length - 1]! - 1,
      `run.json records the last start's SLURM_RESTART_COUNT (starts echoed: ${starts.join(', ')})`,
    );
    assert.match(readFileSync(job.output, 'utf8'), /training-runs: time limit near: requeueing job/);
    console.log(`      finished across ${restarts} restart(s)`);
  });

  it('Stop on a running job: the trainer saves a checkpoint and the job ends without a requeue', async () => {
    const c = cluster!;
    const job = await submit(c, dir, write(longRun(100_000, '{ type: slurm }')));
    await waitFor('a first checkpoint', 120_000, () => eventsOfType(jobEvents(job.output), 'checkpoint_saved')[0]);
    assert.equal(await stopJob(c.client, job.jobId, { timeoutMs: 60_000 }), 'ended');
    const info = await c.client.show(job.jobId);
    assert.deepEqual([info?.state, info?.restarts], ['COMPLETED', 0]);
    const finished = eventsOfType(jobEvents(job.output), 'finished');
    assert.equal(finished.length, 1);
    assert.equal(finished[0]!.status, 'stopped');
    const newest = (await listCheckpoints(join(dir, 'out'))).find((entry) => entry.valid);
    assert.equal(newest?.step, finished[0]!.step, 'the step it stopped at is saved');
  });

  it('a launcher config error is a clear one-line error, and nothing is submitted', async () => {
    const c = cluster!;
    const before = await c.client.queue();
    const config = write(longRun(100, '{ type: slurm, time: "2h" }'));
    const result = await cli(['train', '-t', config], { cwd: dir, env: c.env });
    assert.equal(result.code, 2);
    assert.match(assertOneLine(result.stderr), /cluster\.yaml:13:\d+: launcher\.time: "2h" is not a Slurm time limit/);
    assert.deepEqual(await c.client.queue(), before);
    assert.equal(
      existsSync(join(dir, 'out')) && readdirSync(join(dir, 'out')).length > 0,
      false,
      'no batch script written',
    );
  });
});
