/** The whole run in-process with the real checkpoint engine: files, events, stop, resume from disk, lock. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../../src/core/checkpoint';
import type { TrainConfig } from '../../../src/core/config/types';
import { describeFailure } from '../../../src/trainer/loop/errors';
import { runTraining } from '../../../src/trainer/loop/runTraining';
import { StopController } from '../../../src/trainer/loop/stopController';
import { learningRateAt, resolveSchedule } from '../../../src/trainer/schedulers';
import { RecordingSink, firstDifference, tinyConfig } from './helpers';

const root = mkdtempSync(join(tmpdir(), 'trainer-run-'));
let counter = 0;
function config(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return tinyConfig({
    output_dir: join(root, `run-${++counter}`),
    max_steps: 12,
    save_steps: 4,
    log_steps: 3,
    save_total_limit: 2,
    ...overrides,
  });
}
const cpu = { backend: 'cpu' as const, device: null };
const checkpointNames = (dir: string): string[] =>
  readdirSync(join(dir, 'checkpoints'))
    .filter((n) => n.startsWith('checkpoint-'))
    .sort();

describe('runTraining', () => {
  it('trains, saves every save_steps with retention, and writes run.json and metrics.jsonl', async () => {
    const c = config();
    const sink = new RecordingSink();
    const outcome = await runTraining({ config: c, backend: cpu, sink });
    assert.equal(outcome.status, 'finished');
    assert.equal(outcome.step, 12);
    // Saves complete in the background, so only the ends of the sequence are fixed.
    assert.equal(sink.events[0]!.type, 'started');
    assert.equal(sink.events.at(-1)!.type, 'finished');
    assert.deepEqual(
      sink.of('step').map((e) => e.step),
      [3, 6, 9, 12],
    );
    assert.deepEqual(
      sink.of('checkpoint_saved').map((e) => e.step),
      [4, 8, 12],
    );
    assert.deepEqual(sink.of('checkpoint_saved')[2]!.deleted, ['checkpoint-4']);
    assert.deepEqual(checkpointNames(c.output_dir), ['checkpoint-12', 'checkpoint-8']);
    const run = JSON.parse(readFileSync(join(c.output_dir, 'run.json'), 'utf8'));
    assert.equal(run.status, 'finished');
    assert.equal(run.backend.name, 'cpu');
    assert.equal(run.config.max_steps, 12);
    assert.ok(run.started_at && run.ended_at);
    const rows = readFileSync(join(c.output_dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      rows.map((r) => r.step),
      [3, 6, 9, 12],
    );
    const schedule = resolveSchedule(c.scheduler, c.optimizer.learning_rate, c.max_steps);
    for (const r of rows) {
      assert.ok(Number.isFinite(r.loss) && r.examples_per_sec > 0 && r.wall_time > 0);
      assert.equal(
        r.lr,
        learningRateAt(schedule, r.step - 1),
        'the logged LR is the one the scheduler set for that step',
      );
    }
    assert.ok(!existsSync(join(c.output_dir, '.lock')), 'the lock is released');
  });

  it('a stop finishes the step, saves, says "stopped"; resuming from disk is bit-identical to an uninterrupted run', async () => {
    const shared = { max_steps: 10, save_steps: 100 };
    const straight = config(shared);
    await runTraining({ config: straight, backend: cpu, sink: new RecordingSink() });

    const interrupted = config(shared);
    const stop = new StopController();
    const sink = new RecordingSink();
    const first = await runTraining({
      config: interrupted,
      backend: cpu,
      sink,
      stop,
      afterStep: (s) => s === 6 && stop.request('test'),
    });
    assert.equal(first.status, 'stopped');
    assert.equal(first.step, 6);
    assert.deepEqual(
      sink.of('checkpoint_saved').map((e) => e.name),
      ['checkpoint-6'],
    );
    assert.deepEqual(
      sink.of('finished').map((e) => e.status),
      ['stopped'],
    );
    assert.equal(JSON.parse(readFileSync(join(interrupted.output_dir, 'run.json'), 'utf8')).status, 'stopped');

    const resumeSink = new RecordingSink();
    const second = await runTraining({
      config: { ...interrupted, resume_from_checkpoint: true },
      backend: cpu,
      sink: resumeSink,
    });
    assert.equal(second.status, 'finished');
    const resumed = resumeSink.of('resumed')[0]!;
    assert.equal(resumed.step, 6);
    assert.ok(resumed.restoredOptimizer && resumed.restoredScheduler);
    assert.equal(resumeSink.of('started')[0]!.startStep, 6);
    assert.deepEqual(
      resumeSink.events.slice(0, 2).map((e) => e.type),
      ['started', 'resumed'],
    );
    const markers = readFileSync(join(interrupted.output_dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.event);
    assert.deepEqual(
      markers.map(({ event, step, from }) => ({ event, step, from })),
      [{ event: 'resumed', step: 6, from: 'checkpoint-6' }],
      'metrics.jsonl marks where the resumed run continues',
    );

    const load = (dir: string) =>
      loadCheckpoint(join(dir, 'checkpoints', 'checkpoint-10'), { restoreOptimizer: true, restoreScheduler: true });
    const [a, b] = await Promise.all([load(straight.output_dir), load(interrupted.output_dir)]);
    assert.equal(firstDifference(b.content.weights, a.content.weights), null);
    assert.equal(firstDifference(b.content.optimizer!.tensors, a.content.optimizer!.tensors), null);
    assert.deepEqual(b.content.scheduler, a.content.scheduler);
  });

  it("a start from step 0 into a folder with an earlier run's checkpoints moves them and their metrics.jsonl aside, saying where", async () => {
    const first = config({ max_steps: 8, save_steps: 4 });
    await runTraining({ config: first, backend: cpu, sink: new RecordingSink() });
    const earlier = readFileSync(join(first.output_dir, 'checkpoints', 'checkpoint-8', 'model.safetensors'));
    const sink = new RecordingSink();
    await runTraining({
      config: { ...first, max_steps: 4, optimizer: { ...first.optimizer, learning_rate: 0.5 } },
      backend: cpu,
      sink,
    });
    const warning = sink.of('warning').find((w) => w.code === 'fresh_start');
    assert.match(warning?.message ?? '', /held 2 checkpoints of an earlier run \(newest checkpoint-8\)/);
    const [branch] = readdirSync(join(first.output_dir, 'abandoned-branches'));
    const aside = join(first.output_dir, 'abandoned-branches', branch!);
    assert.ok(warning!.message.includes(aside));
    assert.deepEqual(readdirSync(aside).sort(), ['checkpoint-4', 'checkpoint-8', 'metrics.jsonl']);
    assert.deepEqual(readFileSync(join(aside, 'checkpoint-8', 'model.safetensors')), earlier, 'moved unchanged');
    assert.deepEqual(checkpointNames(first.output_dir), ['checkpoint-4'], 'the new run alone');
    const steps = readFileSync(join(first.output_dir, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step);
    assert.deepEqual(steps, [3, 4], "the new run's loss alone (every log_steps and the last step)");
    // Resuming the new run moves nothing.
    const resumed = new RecordingSink();
    await runTraining({ config: { ...first, resume_from_checkpoint: true }, backend: cpu, sink: resumed });
    assert.equal(resumed.of('warning').filter((w) => w.code === 'fresh_start').length, 0);
    assert.equal(readdirSync(join(first.output_dir, 'abandoned-branches')).length, 1);
  });

  it('save_on_stop: false stops without a checkpoint', async () => {
    const c = config({ save_on_stop: false, save_steps: 100 });
    const stop = new StopController();
    const outcome = await runTraining({
      config: c,
      backend: cpu,
      sink: new RecordingSink(),
      stop,
      afterStep: () => stop.request('test'),
    });
    assert.equal(outcome.status, 'stopped');
    assert.equal(outcome.step, 1);
    assert.deepEqual(existsSync(join(c.output_dir, 'checkpoints')) ? checkpointNames(c.output_dir) : [], []);
  });

  it('tracks the best checkpoint by loss in the trainer state', async () => {
    const c = config({ save_total_limit: null });
    await runTraining({ config: c, backend: cpu, sink: new RecordingSink() });
    const { content } = await loadCheckpoint(join(c.output_dir, 'checkpoints', 'checkpoint-12'), {
      restoreOptimizer: false,
      restoreScheduler: false,
    });
    const state = content.trainerState;
    assert.equal(state.best_metric_name, 'loss');
    assert.ok(state.best_checkpoint && /^checkpoint-(4|8|12)$/.test(state.best_checkpoint));
    assert.equal(typeof state.best_metric, 'number');
  });

  it('refuses an output folder locked by a live process (exit code 2, names the PID)', async () => {
    const c = config();
    const { mkdirSync } = await import('node:fs');
    mkdirSync(c.output_dir, { recursive: true });
    writeFileSync(
      join(c.output_dir, '.lock'),
      JSON.stringify({ pid: process.ppid, hostname: hostname(), started: new Date().toISOString() }),
    );
    const error = await runTraining({ config: c, backend: cpu, sink: new RecordingSink() }).then(
      () => null,
      (e: unknown) => e,
    );
    const { exitCode, event } = describeFailure(error);
    assert.equal(exitCode, 2);
    assert.match(event.message, new RegExp(`PID ${process.ppid}`));
  });

  it('a diverging run fails with exit code 1 and run.json status failed', async () => {
    const base = tinyConfig();
    const c = config({ optimizer: { ...base.optimizer, type: 'sgd', learning_rate: 1e30 } });
    const error = await runTraining({ config: c, backend: cpu, sink: new RecordingSink() }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.match(String(error), /loss became/);
    assert.equal(describeFailure(error).exitCode, 1);
    const run = JSON.parse(readFileSync(join(c.output_dir, 'run.json'), 'utf8'));
    assert.equal(run.status, 'failed');
    assert.match(run.error, /loss became/);
  });

  it('a failed save stops the run (exit 1) unless on_save_error is continue', async () => {
    const failAtStep8 = (c: TrainConfig) => ({
      onStage: (stage: string) => {
        if (
          stage === 'files-written' &&
          readdirSync(join(c.output_dir, 'checkpoints')).some((n) => n.includes('checkpoint-8'))
        )
          throw new Error('disk full (simulated)');
      },
    });
    const stopping = config({ async_save: false });
    const error = await runTraining({
      config: stopping,
      backend: cpu,
      sink: new RecordingSink(),
      checkpointHooks: failAtStep8(stopping),
    }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.match(String(error), /saving .*checkpoint-8 failed: disk full \(simulated\).*on_save_error: continue/);
    assert.equal(describeFailure(error).exitCode, 1);
    assert.equal(JSON.parse(readFileSync(join(stopping.output_dir, 'run.json'), 'utf8')).status, 'failed');

    const continuing = config({ on_save_error: 'continue' });
    const sink = new RecordingSink();
    const outcome = await runTraining({
      config: continuing,
      backend: cpu,
      sink,
      checkpointHooks: failAtStep8(continuing),
    });
    assert.equal(outcome.status, 'finished');
    assert.ok(sink.of('warning').some((w) => w.code === 'save_failed' && /disk full/.test(w.message)));
    assert.deepEqual(
      sink.of('checkpoint_saved').map((e) => e.step),
      [4, 12],
    );
  });
});
