/**
 * Slurm runs in the real VS Code host, against a real one-machine Slurm cluster started by this
 * suite (test/support/localSlurm.ts): Train of a config with `launcher: {type: slurm}` submits a
 * job; the run's log shows it pending then running; `scontrol requeue` mid-run resumes it from its
 * latest checkpoint and it finishes at max_steps; Stop leaves a checkpoint; a launcher config error
 * fails at once with its file and line, submitting nothing. Skipped, saying why, where the cluster
 * cannot start.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../../src/core/protocol/trainerEvents';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainerExit } from '../../../src/extension/process/trainerProcess';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { SlurmJobRun } from '../../../src/extension/slurm/slurmJobRun';
import { type LocalSlurm, longRun, startLocalSlurm } from '../../support/localSlurm';

const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'slurm-suite');

function config(name: string, maxSteps: number, launcher: string): string {
  const file = path.join(project, 'configs', `${name}.yaml`);
  writeFileSync(file, longRun(maxSteps, launcher, `../runs/${name}`));
  return file;
}

async function until<T>(what: string, ms: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('Slurm: Train, requeue and Stop of a cluster job in the real host', function () {
  this.timeout(480_000);
  let cluster: LocalSlurm | null = null;
  let api: TrainingRunsApi;

  before(async function () {
    const started = await startLocalSlurm();
    if ('skip' in started) {
      console.log(`      skipped: ${started.skip}`);
      this.skip();
    }
    cluster = started.cluster;
    // Slurm's commands, run by the extension in this host, find the test cluster through this.
    process.env.SLURM_CONF = cluster.env.SLURM_CONF;
    api = await vscode.extensions.getExtension<TrainingRunsApi>('training-runs.training-runs')!.activate();
    rmSync(project, { recursive: true, force: true });
    mkdirSync(path.join(project, 'configs'), { recursive: true });
  });
  after(async () => {
    delete process.env.SLURM_CONF;
    await cluster?.stop();
  });

  function follow(handle: TrainingHandle): { events: TrainerEvent[]; log: string[] } {
    const events: TrainerEvent[] = [];
    const log: string[] = [];
    handle.process.onEvent((e) => events.push(e));
    handle.process.onLog((l) => log.push(l.text.trim()));
    return { events, log };
  }

  it('Train submits the job: pending, running, requeued mid-run, resumed from its latest checkpoint, finished at max_steps', async () => {
    const file = config('requeue', 1200, '{ type: slurm, extra_args: ["--hold"] }');
    const runDir = path.join(project, 'runs', 'requeue');
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>('trainingRuns.train', file);
    assert.ok(handle, 'Train returned no handle');
    const { events, log } = follow(handle);
    await until('pending in the log', 60_000, () => log.find((l) => /^job \d+: pending \(JobHeldUser\)$/.test(l)));
    assert.equal(api.runs.get(runDir)?.status, 'training');
    const jobId = (handle.process as SlurmJobRun).jobId!;
    await cluster!.client.queue([jobId]).then((jobs) => assert.equal(jobs[0]?.state, 'PENDING'));
    await new Promise<void>((resolve, reject) =>
      execFile('scontrol', ['release', jobId], { env: cluster!.env }, (e) => (e ? reject(e) : resolve())),
    );
    await until('running in the log', 60_000, () => log.find((l) => /^job \d+: running$/.test(l)));
    await until('a checkpoint', 120_000, () => events.find((e) => e.type === 'checkpoint_saved'));
    await cluster!.client.requeue(jobId);
    await until('the second start', 120_000, async () => {
      await cluster!.client.startNow(jobId).catch(() => undefined);
      return events.filter((e) => e.type === 'started').length === 2 ? true : undefined;
    });
    const exit = await handle.exited;
    assert.equal(exit.status, 'finished', log.join('\n'));
    const stopped = events.find((e) => e.type === 'finished');
    const resumed = events.find((e) => e.type === 'resumed');
    assert.ok(stopped?.type === 'finished' && stopped.status === 'stopped');
    assert.ok(resumed?.type === 'resumed' && resumed.step === stopped.step, 'resumed where the first start saved');
    const run = api.runs.get(runDir);
    assert.equal(run?.status, 'finished');
    assert.equal(run?.checkpoints.find((c) => c.latest)?.step, 1200);
  });

  it('Stop on a running job saves a checkpoint and ends it "stopped"', async () => {
    const file = config('stop', 100_000, '{ type: slurm }');
    const runDir = path.join(project, 'runs', 'stop');
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>('trainingRuns.train', file);
    assert.ok(handle);
    const { events } = follow(handle);
    await until('a checkpoint', 120_000, () => events.find((e) => e.type === 'checkpoint_saved'));
    const [exit] = await vscode.commands.executeCommand<TrainerExit[]>('trainingRuns.stop', runDir);
    assert.equal(exit?.status, 'stopped', exit?.message ?? '');
    const finished = events.find((e) => e.type === 'finished');
    assert.ok(finished?.type === 'finished' && finished.status === 'stopped');
    await api.runs.refresh(runDir);
    assert.equal(api.runs.get(runDir)?.checkpoints.find((c) => c.latest)?.step, finished.step);
  });

  it('a launcher config error fails at once with its file and line, and submits nothing', async () => {
    const file = config('bad', 100, '{ type: slurm, time: "2h" }');
    const before = await cluster!.client.queue();
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>('trainingRuns.train', file);
    assert.ok(handle);
    const exit = await handle.exited;
    assert.equal(exit.status, 'failed');
    assert.deepEqual([exit.failure?.file, exit.failure?.line, exit.failure?.field], [file, 13, 'launcher.time']);
    assert.deepEqual(await cluster!.client.queue(), before);
  });
});
