import assert from 'node:assert/strict';
import { readFileSync, utimesSync } from 'node:fs';
import { basename, join } from 'node:path';
import { inspectHfCheckpoint, isHfOutputDir, listHfCheckpoints, readHfLogHistory } from '../../../../src/core/hf';
import { PickleDict, PickleTuple } from '../../../../src/core/hf/pickle';
import { TorchFile } from '../../../../src/core/hf/torchFile';
import { copyRun } from './copies';
import { argOf, loadHfFixtures, numberArg, type HfFixtures } from './fixtures';

interface RawState {
  global_step: number;
  epoch: number;
  best_model_checkpoint: string;
  best_metric: number;
  log_history: Array<{ step: number; loss?: number; learning_rate?: number; eval_loss?: number }>;
}
const rawState = (checkpoint: string): RawState =>
  JSON.parse(readFileSync(join(checkpoint, 'trainer_state.json'), 'utf8')) as RawState;

/** train.py's schedule (HF "linear"): warm up to the peak, then decay linearly to 0 at max_steps. */
function linearScheduleLr(args: string[], step: number): number {
  const peak = numberArg(args, 'learning_rate');
  const warmup = numberArg(args, 'warmup_steps');
  const total = numberArg(args, 'max_steps');
  return (
    peak * (step < warmup ? step / Math.max(1, warmup) : Math.max(0, (total - step) / Math.max(1, total - warmup)))
  );
}

describe('Hugging Face checkpoints written by PyTorch (torchrun, 2 processes)', function () {
  let fx: HfFixtures;

  before(async function () {
    this.timeout(300_000); // first generation runs torchrun 4 times; later runs read the cache
    const loaded = await loadHfFixtures();
    if ('skipped' in loaded) {
      console.log(`    (skipping Hugging Face checkpoint tests: ${loaded.skipped})`);
      this.skip();
    }
    fx = loaded as HfFixtures;
  });

  it('lists checkpoint folders newest first with step, epoch, latest, best and one RNG file per rank', async () => {
    const rows = await listHfCheckpoints(fx.runs.adamw.dir);
    assert.deepEqual(
      rows.map((r) => r.name),
      ['checkpoint-6', 'checkpoint-4', 'checkpoint-2'],
    );
    assert.deepEqual(
      rows.map((r) => r.latest),
      [true, false, false],
    );
    for (const row of rows) {
      const state = rawState(row.path);
      assert.deepEqual(row.problems, [], row.name);
      assert.equal(row.valid, true);
      assert.equal(row.format, 'huggingface');
      assert.equal(row.step, state.global_step);
      assert.equal(row.epoch, state.epoch);
      assert.equal(row.rngFiles, 2);
      assert.equal(row.weights, 'safetensors');
      assert.equal(row.hasOptimizerFile && row.hasSchedulerFile, true);
      assert.equal(row.hasScaler, false);
    }
    const best = basename(rawState(rows[0]!.path).best_model_checkpoint);
    assert.deepEqual(
      rows.filter((r) => r.best).map((r) => r.name),
      [best],
    );
    assert.equal(await isHfOutputDir(fx.runs.adamw.dir), true);
    const inspected = await inspectHfCheckpoint(`${fx.runs.adamw.dir}/checkpoint-6/`);
    assert.deepEqual(
      [inspected.latest, inspected.best, inspected.bestMetric],
      [true, rows[0]!.best, rawState(rows[0]!.path).best_metric],
    );
  });

  it('orders by modification time of trainer_state.json, not by the step in the name', async () => {
    const { outputDir } = copyRun(fx.runs.adamw.dir);
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(outputDir, 'checkpoint-2', 'trainer_state.json'), future, future);
    const rows = await listHfCheckpoints(outputDir);
    assert.deepEqual(
      rows.map((r) => r.name),
      ['checkpoint-2', 'checkpoint-6', 'checkpoint-4'],
    );
    assert.equal(rows[0]!.latest, true);
  });

  it('turns the newest log_history into loss-curve points with the learning rate', async () => {
    const history = await readHfLogHistory(fx.runs.adamw.dir);
    const expected = rawState(join(fx.runs.adamw.dir, 'checkpoint-6')).log_history;
    assert.equal(history.source, join(fx.runs.adamw.dir, 'checkpoint-6', 'trainer_state.json'));
    assert.deepEqual(
      history.points,
      expected.filter((e) => e.loss !== undefined).map((e) => ({ step: e.step, loss: e.loss, lr: e.learning_rate })),
    );
    assert.deepEqual(
      history.points.map((p) => p.step),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      history.evalPoints.map((p) => p.step),
      [2, 4, 6],
    );
  });

  it("reads AdamW's hyper-parameters and slot names from the real optimizer.pt, type marked as inferred", async () => {
    const args = fx.runs.adamw.launches[0]!.args;
    const info = await inspectHfCheckpoint(join(fx.runs.adamw.dir, 'checkpoint-2'));
    const optimizer = info.optimizer!;
    assert.deepEqual(info.unread, []);
    assert.equal(optimizer.type, 'adam/adamw');
    assert.equal(optimizer.typeInferred, true);
    assert.match(optimizer.typeInferredFrom, /exp_avg, exp_avg_sq/);
    assert.match(optimizer.typeNote ?? '', /AdamW.*cannot be told/);
    assert.equal(optimizer.hyperparameters.beta1, numberArg(args, 'adam_beta1'));
    assert.equal(optimizer.hyperparameters.beta2, numberArg(args, 'adam_beta2'));
    assert.equal(optimizer.hyperparameters.epsilon, numberArg(args, 'adam_epsilon'));
    assert.equal(optimizer.hyperparameters.weight_decay, numberArg(args, 'weight_decay'));
    assert.equal(optimizer.hyperparameters.initial_lr, numberArg(args, 'learning_rate'));
    // The group's lr is the scheduled one at save time.
    assert.equal(optimizer.hyperparameters.learning_rate, linearScheduleLr(args, 2));
    assert.deepEqual(optimizer.slotKinds, ['exp_avg', 'exp_avg_sq']);
    assert.deepEqual(optimizer.slotCounts, { exp_avg: 4, exp_avg_sq: 4 }); // Linear(4,16) + Linear(16,1): 4 tensors
    assert.equal(optimizer.variables, 4);
    assert.equal(optimizer.paramGroups[0]!.params, 4);
    assert.equal(optimizer.iterations, 2);
    assert.equal(optimizer.iterationsSource, 'optimizer.pt');
    assert.equal(optimizer.bytes, info.files.optimizer!.size);
  });

  it("reads the scheduler's last learning rate and step count from the real scheduler.pt", async () => {
    const cases: Array<[string, string[], number]> = [
      [join(fx.runs.adamw.dir, 'checkpoint-2'), fx.runs.adamw.launches[0]!.args, 2],
      [join(fx.runs.sgd_sharded.dir, 'checkpoint-2'), fx.runs.sgd_sharded.args, 2],
      [join(fx.runs.sgd_sharded.dir, 'checkpoint-4'), fx.runs.sgd_sharded.args, 4],
    ];
    for (const [path, args, step] of cases) {
      const scheduler = (await inspectHfCheckpoint(path)).scheduler!;
      assert.equal(scheduler.type, 'lambda', path);
      assert.equal(scheduler.step, step);
      assert.equal(scheduler.stepCount, step + 1);
      assert.ok(Math.abs(scheduler.last_lr - linearScheduleLr(args, step)) < 1e-12, `${path}: ${scheduler.last_lr}`);
      assert.deepEqual(scheduler.baseLrs, [numberArg(args, 'learning_rate')]);
      assert.equal(scheduler.next_lr, null);
    }
  });

  it('recognises SGD with momentum and sharded safetensors weights', async () => {
    const args = fx.runs.sgd_sharded.args;
    const rows = await listHfCheckpoints(fx.runs.sgd_sharded.dir);
    assert.deepEqual(
      rows.map((r) => [r.name, r.valid, r.weights]),
      [
        ['checkpoint-4', true, 'safetensors-sharded'],
        ['checkpoint-2', true, 'safetensors-sharded'],
      ],
    );
    const optimizer = rows[0]!.optimizer!;
    assert.equal(optimizer.type, 'momentum');
    assert.equal(optimizer.hyperparameters.momentum, numberArg(args, 'momentum'));
    assert.equal(optimizer.hyperparameters.weight_decay, numberArg(args, 'weight_decay'));
    assert.equal(optimizer.hyperparameters.nesterov, false);
    assert.deepEqual(optimizer.slotKinds, ['momentum_buffer']);
    // torch's SGD keeps no step count: the global step stands in, and says so.
    assert.equal(optimizer.iterationsSource, 'fallback');
    assert.equal(optimizer.iterations, 4);
  });

  it('resumes from the latest checkpoint: the step, optimizer and scheduler continue', async () => {
    const [first, second] = fx.runs.adamw.launches;
    assert.equal(argOf(second!.args, 'resume_from_checkpoint'), 'latest');
    assert.match(readFileSync(second!.log, 'utf8'), /resumed from \S*checkpoint-4 at step 4/);
    assert.equal(numberArg(first!.args, 'max_steps'), 4);
    const info = await inspectHfCheckpoint(join(fx.runs.adamw.dir, 'checkpoint-6'));
    // A fresh optimizer would count 2 steps; a restored one continues from 4.
    assert.equal(info.optimizer!.iterations, 6);
    assert.equal(info.scheduler!.step, 6);
    const steps = rawState(info.path)
      .log_history.filter((e) => e.loss !== undefined)
      .map((e) => e.step);
    assert.deepEqual(steps, [1, 2, 3, 4, 5, 6]);
  });

  it('SIGINT to the process group makes every rank save and exit', async () => {
    const run = fx.runs.rmsprop_bin_stopped;
    const log = readFileSync(run.launches[0]!.log, 'utf8');
    const stoppedAt = Number(/stopped by signal at step (\d+)/.exec(log)?.[1]);
    assert.ok(stoppedAt > run.stoppedAfter!, `stopped at ${stoppedAt}, after checkpoint-${run.stoppedAfter}`);
    const rows = await listHfCheckpoints(run.dir);
    const newest = rows[0]!;
    assert.equal(newest.name, `checkpoint-${stoppedAt}`);
    assert.deepEqual([newest.valid, newest.latest, newest.rngFiles, newest.weights], [true, true, 2, 'pytorch-bin']);
    const optimizer = newest.optimizer!;
    assert.equal(optimizer.type, 'rmsprop');
    assert.equal(optimizer.hyperparameters.momentum, numberArg(run.args, 'momentum'));
    assert.equal(optimizer.hyperparameters.initial_lr, numberArg(run.args, 'learning_rate'));
    assert.deepEqual(optimizer.slotKinds.sort(), ['momentum_buffer', 'square_avg']);
    assert.equal(optimizer.iterations, stoppedAt);
  });

  it("reads each rank's RNG file as inert data: two ranks, two different Python RNG states", async () => {
    const states = [];
    for (const rank of [0, 1]) {
      const file = await TorchFile.open(join(fx.runs.adamw.dir, 'checkpoint-2', `rng_state_${rank}.pth`));
      await file.close();
      const root = file.root as PickleDict;
      assert.deepEqual(root.keys(), ['python', 'numpy', 'cpu']);
      const [version, internal] = (root.get('python') as PickleTuple).items;
      assert.equal(version, 3);
      states.push((internal as PickleTuple).items);
    }
    assert.equal(states[0]!.length, 625);
    assert.notDeepEqual(states[0], states[1]);
  });
});
