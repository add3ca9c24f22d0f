import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runColorIndices } from '../../../../src/core/metrics/runColors';
import { addTensorBoardScalars, readRunMetrics } from '../../../../src/core/metrics/runHistory';

describe('readRunMetrics', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'run-history-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads a native run's metrics.jsonl", async () => {
    await writeFile(
      join(dir, 'metrics.jsonl'),
      `${JSON.stringify({ step: 1, loss: 2, lr: 0.1 })}\n${JSON.stringify({ step: 2, loss: 1, lr: 0.05 })}\n`,
    );
    const c = (await readRunMetrics(dir)).series.columns();
    assert.deepEqual(
      [Array.from(c.steps), Array.from(c.loss), Array.from(c.lr)],
      [
        [1, 2],
        [2, 1],
        [0.1, 0.05],
      ],
    );
  });

  it("falls back to the newest Hugging Face checkpoint's log history, a missing learning rate as NaN", async () => {
    await mkdir(join(dir, 'checkpoint-4'));
    const log_history = [
      { step: 4, loss: 0.5 },
      { step: 2, loss: 0.75, learning_rate: 0.01 },
      { step: 4, eval_loss: 0.9 },
    ];
    await writeFile(join(dir, 'checkpoint-4', 'trainer_state.json'), JSON.stringify({ global_step: 4, log_history }));
    const c = (await readRunMetrics(dir)).series.columns();
    assert.deepEqual(
      [Array.from(c.steps), Array.from(c.loss)],
      [
        [2, 4],
        [0.75, 0.5],
      ],
    );
    assert.equal(c.lr[0], 0.01);
    assert.ok(Number.isNaN(c.lr[1]));
  });

  it('keeps every other number a Hugging Face run logged (eval_loss, grad_norm, ...) as a metric by its name', async () => {
    await mkdir(join(dir, 'checkpoint-4'));
    const log_history = [
      { step: 4, loss: 0.5, grad_norm: 1.5, epoch: 1 },
      { step: 2, loss: 0.75, learning_rate: 0.01, grad_norm: 2, epoch: 0.5 },
      { step: 4, eval_loss: 0.9, eval_runtime: 0.25, epoch: 1 },
    ];
    await writeFile(join(dir, 'checkpoint-4', 'trainer_state.json'), JSON.stringify({ global_step: 4, log_history }));
    const { scalars } = await readRunMetrics(dir);
    assert.deepEqual(scalars.names.sort(), ['epoch', 'eval_loss', 'eval_runtime', 'grad_norm']);
    assert.deepEqual(Array.from(scalars.get('grad_norm')!.steps), [2, 4]);
    assert.deepEqual(Array.from(scalars.get('eval_loss')!.values), [0.9]);
  });

  it('takes only numbers from a Hugging Face log entry as metrics (not null, text or true/false)', async () => {
    await mkdir(join(dir, 'checkpoint-2'));
    const log_history = [{ step: 2, loss: 0.5, eval_loss: null, grad_norm: 1.5, note: 'warmup', skipped: false }];
    await writeFile(join(dir, 'checkpoint-2', 'trainer_state.json'), JSON.stringify({ global_step: 2, log_history }));
    assert.deepEqual((await readRunMetrics(dir)).scalars.names, ['grad_norm']);
  });

  it('adds TensorBoard scalars by tag with their wall time', async () => {
    const history = await readRunMetrics(dir);
    addTensorBoardScalars(history.scalars, [
      { tag: 'eval/loss', step: 10, wallTime: 1700000000.5, value: 0.25 },
      { tag: 'eval/loss', step: 20, wallTime: 1700000001.5, value: 0.125 },
    ]);
    assert.deepEqual(history.scalars.get('eval/loss'), {
      steps: Float64Array.from([10, 20]),
      values: Float64Array.from([0.25, 0.125]),
      times: Float64Array.from([1700000000.5, 1700000001.5]),
    });
  });

  it('gives an empty history for a folder with neither, or one that cannot be read', async () => {
    assert.equal((await readRunMetrics(dir)).series.columns().steps.length, 0);
    assert.equal((await readRunMetrics(join(dir, 'absent'))).series.columns().steps.length, 0);
  });
});

describe('runColorIndices: slots', () => {
  // FNV-1a reference values: "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
  it('picks the slot from the FNV-1a hash of the run folder', () => {
    const slots = runColorIndices(['a', 'foobar', 'a'], 1000);
    assert.deepEqual(
      [...slots.entries()],
      [
        ['a', 0xe40c292c % 1000],
        ['foobar', 0xbf9cf968 % 1000],
      ],
    );
  });

  it('gives colliding runs the next free slots in sorted order, wrapping past the last', () => {
    // With 4 slots, /runs/r1, /runs/r10 and /runs/r5 all hash to slot 0; /runs/r0 and /runs/r11 to slot 3.
    assert.deepEqual(Object.fromEntries(runColorIndices(['/runs/r5', '/runs/r10', '/runs/r1'], 4)), {
      '/runs/r1': 0,
      '/runs/r10': 1,
      '/runs/r5': 2,
    });
    assert.deepEqual(Object.fromEntries(runColorIndices(['/runs/r11', '/runs/r0'], 4)), {
      '/runs/r0': 3,
      '/runs/r11': 0,
    });
  });
});
