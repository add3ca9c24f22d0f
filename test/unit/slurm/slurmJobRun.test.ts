/**
 * The extension's view of a Slurm run (vscode-free): Train of a config with a slurm launcher
 * becomes a SlurmJobRun that submits the job, logs its states, passes the trainer's events on across
 * a requeue, and stops it with a checkpoint. Against the real local cluster; skipped with the reason
 * where it cannot start.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listCheckpoints } from '../../../src/core/checkpoint';
import type { TrainerEvent } from '../../../src/core/protocol/trainerEvents';
import type { TrainerLaunch, TrainerRun } from '../../../src/extension/process/trainerProcess';
import { RunStore } from '../../../src/extension/store/runStore';
import { emptyReader } from '../../support/runReaders';
import { TrainingService } from '../../../src/extension/process/trainingService';
import { readLaunchConfig } from '../../../src/extension/reading';
import { slurmRunFor } from '../../../src/extension/slurm';
import { SlurmJobRun } from '../../../src/extension/slurm/slurmJobRun';
import type { LocalSlurm } from '../../support/localSlurm';
import { trainerBundle } from '../reliability/helpers';
import { longRun, runToEnd, scontrol, useLocalSlurm, waitFor } from './helpers';

describe('Slurm: a run the extension submits (SlurmJobRun)', function () {
  this.timeout(600_000);
  const slurm = useLocalSlurm('slurm-ext-');
  let cluster: LocalSlurm | null = null;
  let dir: string;
  beforeEach(() => {
    cluster = slurm.cluster();
    dir = slurm.dir();
  });

  /** What Train would start for this config, with the launch the extension would have forked. */
  async function train(config: string): Promise<{ run: SlurmJobRun; events: TrainerEvent[]; log: string[] }> {
    const configPath = join(dir, 'cluster.yaml');
    writeFileSync(configPath, config);
    const launch: TrainerLaunch = {
      execPath: process.execPath,
      script: trainerBundle,
      args: ['train', '-t', configPath],
      cwd: dir,
      env: cluster!.env,
    };
    const start = await slurmRunFor(await readLaunchConfig(configPath, { cwd: dir }), launch, 300);
    assert.ok(start, 'a slurm launcher makes a Slurm run');
    const run: TrainerRun = start();
    assert.ok(run instanceof SlurmJobRun);
    const events: TrainerEvent[] = [];
    const log: string[] = [];
    run.onEvent((e) => events.push(e));
    run.onLog((l) => log.push(l.text.trim()));
    return { run, events, log };
  }

  it('a local launcher is not a Slurm run', async () => {
    const configPath = join(dir, 'local.yaml');
    writeFileSync(configPath, longRun(10, '{ type: local }'));
    const launch: TrainerLaunch = {
      execPath: process.execPath,
      script: trainerBundle,
      args: ['train', '-t', configPath],
      cwd: dir,
      env: cluster!.env,
    };
    assert.equal(await slurmRunFor(await readLaunchConfig(configPath, { cwd: dir }), launch), null);
  });

  it('logs pending then running, passes the events of every start on across a requeue, and ends finished', async () => {
    const { run, events, log } = await train(longRun(1200, '{ type: slurm, extra_args: ["--hold"] }'));
    await waitFor('the pending state in the log', 60_000, () =>
      log.find((l) => /^job \d+: pending \(JobHeldUser\)$/.test(l)),
    );
    await scontrol(cluster!, ['release', run.jobId!]);
    await waitFor('the running state in the log', 60_000, () => log.find((l) => /^job \d+: running$/.test(l)));
    await waitFor('a checkpoint', 120_000, () => events.find((e) => e.type === 'checkpoint_saved'));
    await cluster!.client.requeue(run.jobId!);
    // Slurm holds the requeued job (BeginTime) until the test starts it: wait until the run has logged it pending.
    const pendingAgain = /^job \d+: pending( \(BeginTime\))?, restart 1$/;
    await waitFor('the requeued job pending in the log', 150_000, () =>
      log.some((l) => pendingAgain.test(l)) ? true : undefined,
    );
    await waitFor('the requeued job to start', 60_000, async () => {
      await cluster!.client.startNow(run.jobId!).catch(() => undefined);
      return events.filter((e) => e.type === 'started').length === 2 ? true : undefined;
    });
    const exit = await run.exited;
    assert.equal(exit.status, 'finished', log.join('\n'));
    assert.equal(events.filter((e) => e.type === 'resumed').length, 1);
    const last = events.filter((e) => e.type === 'finished').at(-1);
    assert.equal(last?.type === 'finished' && last.step, 1200);
    run.dispose();
  });

  it('Stop asks the trainer to save, and the run ends stopped with a checkpoint at its last step', async () => {
    const { run, events } = await train(longRun(100_000, '{ type: slurm }'));
    await waitFor('a checkpoint', 120_000, () => events.find((e) => e.type === 'checkpoint_saved'));
    const exit = await run.stop(60_000);
    assert.deepEqual([exit.status, exit.forcedKill], ['stopped', false]);
    const finished = events.find((e) => e.type === 'finished');
    assert.ok(finished?.type === 'finished' && finished.status === 'stopped');
    const newest = (await listCheckpoints(join(dir, 'out'))).find((c) => c.valid);
    assert.equal(newest?.step, finished.step);
    run.dispose();
  });

  it('closing the window (the service shuts down) stops following the job but leaves it running', async () => {
    const configPath = join(dir, 'cluster.yaml');
    writeFileSync(configPath, longRun(100_000, '{ type: slurm }'));
    const launchFor = () => ({
      execPath: process.execPath,
      script: trainerBundle,
      args: ['train', '-t', configPath],
      cwd: dir,
      env: cluster!.env,
    });
    const model = new RunStore({ reader: emptyReader() });
    const service = new TrainingService({
      model,
      launchFor,
      prepare: async (request) => ({
        runDir: join(dir, 'out'),
        start: await slurmRunFor(await readLaunchConfig(request.configPath, { cwd: dir }), launchFor(), 300),
      }),
      stopTimeoutMs: () => 5000,
    });
    const handle = await service.start({ configPath, sets: [], device: '' });
    await handle.started;
    const jobId = (handle.process as SlurmJobRun).jobId!;
    await service.shutdown(5000);
    service.dispose();
    assert.equal((await cluster!.client.show(jobId))?.state, 'RUNNING');
    await cluster!.client.cancel(jobId);
    // Its trainer may still be writing the run folder as it dies: wait before the folder is removed.
    await runToEnd(cluster!, jobId, 120_000);
  });
});
