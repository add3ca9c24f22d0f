/**
 * Slurm runs in the real VS Code host, against a real one-machine Slurm cluster started by this
 * suite (test/support/localSlurm.ts): Train of a config with `launcher: {type: slurm}` submits a
 * job; the run's log and its row in the Runs tree show it pending (job, reason) then running; `scontrol requeue` mid-run resumes it from its
 * latest checkpoint and it finishes at max_steps; a 1-minute time limit stops, saves and requeues it
 * until it finishes; Stop leaves a checkpoint; a launcher config error
 * fails at once with its file and line, submitting nothing. Skipped, saying why, where the cluster
 * cannot start.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainerEvent } from '../../../src/core/protocol/trainerEvents';
import type { TrainingRunsApi } from '../../../src/extension/extension';
import type { TrainerExit } from '../../../src/extension/process/trainerProcess';
import type { TrainingHandle } from '../../../src/extension/process/trainingService';
import type { SlurmJobRun } from '../../../src/extension/slurm/slurmJobRun';
import { type LocalSlurm, longRun, startOrSkip } from '../../support/localSlurm';
import { COMMANDS } from '../../../src/extension/commands/ids';

const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
const project = path.join(workspace, 'slurm-suite');

/** argv: output folder, max steps[, --resume_from_checkpoint DIR]; a checkpoint every 5 steps. */
const TINY_EXTERNAL_TRAINER = `
const fs = require('fs');
const path = require('path');
const [out, maxArg, flag, from] = process.argv.slice(2);
const rank = Number(process.env.SLURM_PROCID || 0);
console.log('rank ' + rank + ' of ' + (process.env.SLURM_NTASKS || 1));
if (rank !== 0) process.exit(0);
const log = flag === '--resume_from_checkpoint' && from ? JSON.parse(fs.readFileSync(path.join(from, 'trainer_state.json'), 'utf8')).log_history : [];
const header = Buffer.from('{}');
const length = Buffer.alloc(8);
length.writeBigUInt64LE(BigInt(header.length));
for (let step = log.length + 1; step <= Number(maxArg); step++) {
  log.push({ step, loss: 1 / step, learning_rate: 0.01 });
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  if (step % 5 !== 0) continue;
  const tmp = path.join(out, 'tmp-checkpoint-' + step);
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'model.safetensors'), Buffer.concat([length, header]));
  fs.writeFileSync(path.join(tmp, 'trainer_state.json'), JSON.stringify({ global_step: step, max_steps: Number(maxArg), log_history: log }));
  fs.renameSync(tmp, path.join(out, 'checkpoint-' + step));
}
`;

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
    cluster = await startOrSkip(this);
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
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, file);
    assert.ok(handle, 'Train returned no handle');
    const { events, log } = follow(handle);
    // The Runs tree's row for the run, as the user reads it.
    const row = (): string => String(api.tree.getTreeItem({ kind: 'run', runDir }).description ?? '');
    const rowsSeen: string[] = [];
    const sampler = setInterval(() => rowsSeen.at(-1) !== row() && rowsSeen.push(row()), 100);
    const rowMatching = (what: string, pattern: RegExp) =>
      until(`the tree row to read ${what}`, 120_000, () => (pattern.test(row()) ? row() : undefined)).catch(
        (error: Error) => {
          clearInterval(sampler);
          throw new Error(`${error.message}; rows seen: ${rowsSeen.join(' | ')}`);
        },
      );
    await until('pending in the log', 60_000, () => log.find((l) => /^job \d+: pending \(JobHeldUser\)$/.test(l)));
    assert.equal(api.runs.get(runDir)?.status, 'training');
    const jobId = (handle.process as SlurmJobRun).jobId!;
    assert.equal(row(), `pending (job ${jobId}, JobHeldUser)`);
    await cluster!.client.queue([jobId]).then((jobs) => assert.equal(jobs[0]?.state, 'PENDING'));
    await new Promise<void>((resolve, reject) =>
      execFile('scontrol', ['release', jobId], { env: cluster!.env }, (e) => (e ? reject(e) : resolve())),
    );
    await until('running in the log', 60_000, () => log.find((l) => /^job \d+: running$/.test(l)));
    await rowMatching('running', new RegExp(`^running \\(job ${jobId}\\)( · |$)`));
    await until('a checkpoint', 120_000, () => events.find((e) => e.type === 'checkpoint_saved'));
    await cluster!.client.requeue(jobId);
    // Requeued: Slurm says REQUEUED or PENDING (BeginTime) with the restart counted, before the job runs again.
    await rowMatching('the requeued job', new RegExp(`^(requeued|pending) \\(job ${jobId}, (.+, )?restart 1\\)`));
    await until('the second start', 120_000, async () => {
      await cluster!.client.startNow(jobId).catch(() => undefined);
      return events.filter((e) => e.type === 'started').length === 2 ? true : undefined;
    });
    await rowMatching('running again', new RegExp(`^running \\(job ${jobId}, restart 1\\)`));
    const exit = await handle.exited.finally(() => clearInterval(sampler));
    assert.equal(exit.status, 'finished', log.join('\n'));
    const stopped = events.find((e) => e.type === 'finished');
    const resumed = events.find((e) => e.type === 'resumed');
    assert.ok(stopped?.type === 'finished' && stopped.status === 'stopped');
    assert.ok(resumed?.type === 'resumed' && resumed.step === stopped.step, 'resumed where the first start saved');
    const run = api.runs.get(runDir);
    assert.equal(run?.status, 'finished');
    assert.match(row(), /^finished · 1,200\/1,200 · /);
    assert.equal(run?.checkpoints.find((c) => c.latest)?.step, 1200);
  });

  it("a 1-minute time limit: the signal before the end saves and requeues, and Train's run finishes across restarts", async function () {
    this.timeout(600_000);
    const launcher = '{ type: slurm, time: "1", signal_seconds_before_end: 30 }';
    // More steps than any machine trains before the signal; once the limit has stopped the first
    // start, the config asks for 200 steps more, which the restarted job reads and finishes.
    const file = config('time-limit', 1_000_000, launcher);
    const runDir = path.join(project, 'runs', 'time-limit');
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, file);
    assert.ok(handle, 'Train returned no handle');
    const { events, log } = follow(handle);
    const jobId = (handle.process as SlurmJobRun).jobId!;
    let maxSteps = 0;
    handle.process.onEvent((e) => {
      if (maxSteps === 0 && e.type === 'finished' && e.status === 'stopped') {
        maxSteps = e.step + 200;
        writeFileSync(file, longRun(maxSteps, launcher, '../runs/time-limit'));
      }
    });
    // Slurm holds a requeued job back for its begin time: start it as soon as it waits.
    const starter = setInterval(() => void cluster!.client.startNow(jobId).catch(() => undefined), 2000);
    const exit = await handle.exited.finally(() => clearInterval(starter));
    assert.equal(exit.status, 'finished', log.join('\n'));
    const finished = events.filter((e): e is Extract<TrainerEvent, { type: 'finished' }> => e.type === 'finished');
    const resumed = events.filter((e): e is Extract<TrainerEvent, { type: 'resumed' }> => e.type === 'resumed');
    assert.ok(
      finished.length >= 2,
      `expected the limit to stop the run at least once: ${finished.map((f) => `${f.status}@${f.step}`).join(', ')}`,
    );
    for (const stop of finished.slice(0, -1)) assert.equal(stop.status, 'stopped');
    assert.deepEqual(
      resumed.map((r) => r.step),
      finished.slice(0, -1).map((f) => f.step),
      'each start resumed where the previous one saved',
    );
    assert.equal(finished.at(-1)!.step, maxSteps);
    await api.runs.refresh(runDir);
    assert.equal(api.runs.get(runDir)?.status, 'finished');
    assert.equal(api.runs.get(runDir)?.checkpoints.find((c) => c.latest)?.step, maxSteps);
    // One continuous curve: a resume marker in metrics.jsonl at each restart's step.
    const metrics = readFileSync(path.join(runDir, 'metrics.jsonl'), 'utf8');
    for (const r of resumed) assert.match(metrics, new RegExp(`"event":"resumed","step":${r.step}[,}]`));
  });

  it('Stop on a running job saves a checkpoint and ends it "stopped"', async () => {
    const file = config('stop', 100_000, '{ type: slurm }');
    const runDir = path.join(project, 'runs', 'stop');
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, file);
    assert.ok(handle);
    const { events } = follow(handle);
    await until('a checkpoint', 120_000, () => events.find((e) => e.type === 'checkpoint_saved'));
    const [exit] = await vscode.commands.executeCommand<TrainerExit[]>(COMMANDS.stop, runDir);
    assert.equal(exit?.status, 'stopped', exit?.message ?? '');
    const finished = events.find((e) => e.type === 'finished');
    assert.ok(finished?.type === 'finished' && finished.status === 'stopped');
    await api.runs.refresh(runDir);
    assert.equal(api.runs.get(runDir)?.checkpoints.find((c) => c.latest)?.step, finished.step);
  });

  it('Train submits an external trainer through srun on 2 tasks; its checkpoints show and it ends finished', async () => {
    // A tiny external trainer writing Hugging Face-style checkpoints (rank 0 only), in Node so no Python is needed.
    writeFileSync(path.join(project, 'tiny-trainer.js'), TINY_EXTERNAL_TRAINER);
    const file = path.join(project, 'configs', 'external.yaml');
    writeFileSync(
      file,
      `external_trainer:
  command: [${JSON.stringify(process.execPath)}, tiny-trainer.js, "{output_dir}", "20"]
  output_dir: runs/external
  resume_args: [--resume_from_checkpoint, "{checkpoint}"]
  max_steps: 20
launcher: { type: slurm, ntasks_per_node: 2 }
`,
    );
    const runDir = path.join(project, 'runs', 'external');
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, file);
    assert.ok(handle, 'Train returned no handle');
    const { events, log } = follow(handle);
    const exit = await handle.exited;
    assert.equal(exit.status, 'finished', `${exit.message ?? ''}\n${log.join('\n')}`);
    const jobId = (handle.process as SlurmJobRun).jobId!;
    assert.match(readFileSync(path.join(runDir, 'slurm-job.sh'), 'utf8'), /^"srun" .*"\$\{args\[@\]\}" &$/m);
    const output = readFileSync(path.join(runDir, `slurm-${jobId}.out`), 'utf8');
    assert.match(output, /^rank 0 of 2$/m, output);
    assert.match(output, /^rank 1 of 2$/m, output);
    assert.ok(
      events.some((e) => e.type === 'started'),
      'a started event',
    );
    assert.deepEqual(
      events
        .filter((e) => e.type === 'checkpoint_saved')
        .map((e) => e.type === 'checkpoint_saved' && e.step)
        .slice(-1),
      [20],
    );
    const run = api.runs.get(runDir);
    assert.equal(run?.status, 'finished');
    assert.equal(run?.checkpoints.find((c) => c.latest)?.step, 20);
  });

  it('a launcher config error fails at once with its file and line, and submits nothing', async () => {
    const file = config('bad', 100, '{ type: slurm, time: "2h" }');
    const before = await cluster!.client.queue();
    const handle = await vscode.commands.executeCommand<TrainingHandle | undefined>(COMMANDS.train, file);
    assert.ok(handle);
    const exit = await handle.exited;
    assert.equal(exit.status, 'failed');
    assert.deepEqual([exit.failure?.file, exit.failure?.line, exit.failure?.field], [file, 13, 'launcher.time']);
    assert.deepEqual(await cluster!.client.queue(), before);
  });
});
