/**
 * Evaluation in the trainer (in-process, real checkpoint engine): rows, events and checkpoint
 * metrics; evaluating never changes the training trajectory; a resume with evaluation is exact.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../../../src/core/checkpoint';
import type { TrainConfig } from '../../../src/core/config/types';
import { runTraining } from '../../../src/trainer/loop/runTraining';
import { StopController } from '../../../src/trainer/loop/stopController';
import { RecordingSink, firstDifference, tinyCharLm, tinyConfig } from './helpers';

const root = mkdtempSync(join(tmpdir(), 'trainer-eval-'));
let counter = 0;
const EVALUATING: Partial<TrainConfig> = {
  eval_split: 0.2,
  eval_strategy: 'steps',
  eval_steps: 3,
  metric_for_best_model: 'eval_loss',
  greater_is_better: false,
};
function config(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return tinyConfig({
    output_dir: join(root, `run-${++counter}`),
    max_steps: 12,
    save_steps: 4,
    log_steps: 3,
    save_total_limit: null,
    ...overrides,
  });
}
const cpu = { backend: 'cpu' as const, device: null };
type Row = Record<string, number | string | null>;
const rows = (dir: string): Row[] =>
  readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Row);
const trainingRows = (dir: string) =>
  rows(dir)
    .filter((r) => 'loss' in r)
    .map(({ step, loss, lr }) => ({ step, loss, lr }));
const evalRows = (dir: string) =>
  rows(dir)
    .filter((r) => 'eval_loss' in r)
    .map(({ step, eval_loss, eval_accuracy }) => ({ step, eval_loss, eval_accuracy }));
const load = (dir: string, name: string) =>
  loadCheckpoint(join(dir, 'checkpoints', name), { restoreOptimizer: true, restoreScheduler: true });

async function assertSameCheckpoint(a: string, b: string, name: string): Promise<void> {
  const [x, y] = await Promise.all([load(a, name), load(b, name)]);
  assert.equal(firstDifference(y.content.weights, x.content.weights), null, `${name} weights`);
  assert.equal(
    firstDifference(y.content.optimizer!.tensors, x.content.optimizer!.tensors),
    null,
    `${name} optimizer slots`,
  );
  assert.deepEqual(y.content.scheduler, x.content.scheduler);
  assert.deepEqual(y.content.trainerState.data_position, x.content.trainerState.data_position, `${name} data position`);
  assert.deepEqual(y.content.trainerState.rng, x.content.trainerState.rng);
}

describe('evaluation in the trainer', () => {
  it('evaluates every eval_steps and before each save: events, metrics.jsonl rows, checkpoint metrics and the best by eval_loss', async () => {
    const c = config(EVALUATING);
    const sink = new RecordingSink();
    await runTraining({ config: c, backend: cpu, sink });
    const evaluated = sink.of('evaluated');
    assert.deepEqual(
      evaluated.map((e) => e.step),
      [3, 4, 6, 8, 9, 12],
      'every 3 steps, and at the saves of steps 4 and 8 (12 is both)',
    );
    // 50 examples, 20% held out.
    assert.ok(
      evaluated.every(
        (e) => e.examples === 10 && e.metrics.eval_loss !== null && e.metrics.eval_accuracy !== undefined,
      ),
    );
    const logged = evalRows(c.output_dir);
    assert.deepEqual(
      logged,
      evaluated.map((e) => ({ step: e.step, eval_loss: e.metrics.eval_loss, eval_accuracy: e.metrics.eval_accuracy })),
    );
    assert.deepEqual(
      trainingRows(c.output_dir).map((r) => r.step),
      [3, 6, 9, 12],
      'training rows unchanged beside them',
    );

    const byStep = new Map(evaluated.map((e) => [e.step, e.metrics.eval_loss!]));
    const { content } = await load(c.output_dir, 'checkpoint-12');
    const state = content.trainerState;
    assert.equal(state.metrics?.['eval_loss'], byStep.get(12));
    const best = [4, 8, 12].reduce((a, b) => (byStep.get(b)! < byStep.get(a)! ? b : a));
    assert.deepEqual(
      [state.best_metric_name, state.best_checkpoint, state.best_metric],
      ['eval_loss', `checkpoint-${best}`, byStep.get(best)],
    );
    const run = JSON.parse(readFileSync(join(c.output_dir, 'run.json'), 'utf8'));
    assert.equal(run.data.split, 'train');
    assert.equal(run.data.size, 40);
  });

  it('evaluates on an eval_data file when one is given', async () => {
    const csv = (rows: number) =>
      [
        'f1,f2,label',
        ...Array.from({ length: rows }, (_, i) => `${i % 7},${(i * 3) % 5},${i % 2 ? 'odd' : 'even'}`),
      ].join('\n');
    const dir = mkdtempSync(join(root, 'csv-'));
    writeFileSync(join(dir, 'train.csv'), csv(30));
    writeFileSync(join(dir, 'held.csv'), csv(6));
    const c = config({
      ...EVALUATING,
      eval_split: null,
      eval_data: { type: 'csv', path: join(dir, 'held.csv'), target: 'label', task: 'classification' },
      data: { type: 'csv', path: join(dir, 'train.csv'), target: 'label', task: 'classification' },
      max_steps: 4,
    });
    const sink = new RecordingSink();
    await runTraining({ config: c, backend: cpu, sink });
    assert.deepEqual(
      sink.of('evaluated').map((e) => [e.step, e.examples]),
      [
        [3, 6],
        [4, 6],
      ],
    );
  });

  for (const [label, model] of [
    ['mlp with dropout', {}],
    ['char_lm gru with dropout', tinyCharLm('gru')],
  ] as const) {
    it(`${label}: a run evaluating every step equals the same run without evaluation, in weights, optimizer, data position and losses`, async () => {
      const withoutEval = config({ ...model, ...EVALUATING, eval_strategy: 'no', metric_for_best_model: 'loss' });
      const withEval = config({ ...model, ...EVALUATING, eval_steps: 1 });
      await runTraining({ config: withoutEval, backend: cpu, sink: new RecordingSink() });
      const sink = new RecordingSink();
      await runTraining({ config: withEval, backend: cpu, sink });
      assert.equal(sink.of('evaluated').length, 12);
      assert.deepEqual(evalRows(withoutEval.output_dir), []);
      assert.deepEqual(trainingRows(withEval.output_dir), trainingRows(withoutEval.output_dir));
      for (const name of ['checkpoint-4', 'checkpoint-8', 'checkpoint-12'])
        await assertSameCheckpoint(withoutEval.output_dir, withEval.output_dir, name);
    });
  }

  it('stopped and resumed with evaluation equals uninterrupted with evaluation, bit for bit, evaluations included', async () => {
    const shared = { ...tinyCharLm('lstm'), ...EVALUATING, max_steps: 12 };
    const straight = config(shared);
    await runTraining({ config: straight, backend: cpu, sink: new RecordingSink() });

    const interrupted = config(shared);
    const stop = new StopController();
    await runTraining({
      config: interrupted,
      backend: cpu,
      sink: new RecordingSink(),
      stop,
      afterStep: (s) => s === 5 && stop.request('test'),
    });
    const sink = new RecordingSink();
    await runTraining({ config: { ...interrupted, resume_from_checkpoint: true }, backend: cpu, sink });
    assert.equal(sink.of('resumed')[0]!.step, 5);

    await assertSameCheckpoint(straight.output_dir, interrupted.output_dir, 'checkpoint-12');
    // Steps 6..12 of the resumed session log the same losses and evaluations as the straight run's.
    const after5 = <T extends { step?: number | string | null }>(list: T[]) => list.filter((r) => Number(r.step) > 5);
    assert.deepEqual(after5(trainingRows(interrupted.output_dir)), after5(trainingRows(straight.output_dir)));
    assert.deepEqual(after5(evalRows(interrupted.output_dir)), after5(evalRows(straight.output_dir)));
    const [a, b] = await Promise.all([
      load(straight.output_dir, 'checkpoint-12'),
      load(interrupted.output_dir, 'checkpoint-12'),
    ]);
    assert.equal(b.content.trainerState.metrics?.['eval_loss'], a.content.trainerState.metrics?.['eval_loss']);
  });
});
