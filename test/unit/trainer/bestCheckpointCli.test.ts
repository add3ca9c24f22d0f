/**
 * The best checkpoint by eval_loss, end to end in the trainer's own process (the real bundle):
 * retention keeps it while newer checkpoints rotate, and a resumed session whose evaluations are
 * all worse keeps it as the best (on disk and in the trainer state). The data is mostly noise and
 * the training split small, so the model overfits: the held-out loss is lowest early, then rises.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainer, cli, eventsOf } from '../reliability/helpers';

const work = mkdtempSync(join(tmpdir(), 'trainer-best-'));
const runDir = join(work, 'out');
const checkpoints = () =>
  readdirSync(join(runDir, 'checkpoints'))
    .filter((n) => n.startsWith('checkpoint-'))
    .sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)));
const trainerState = (name: string) =>
  JSON.parse(readFileSync(join(runDir, 'checkpoints', name, 'trainer_state.json'), 'utf8')) as {
    best_checkpoint: string;
    best_metric: number;
    best_metric_name: string;
  };
const train = (sets: string[]) =>
  cli(['train', '-t', 'tiny.yaml', '--json', ...sets.flatMap((s) => ['--set', s])], { cwd: work });

describe('best checkpoint by eval_loss (trainer process)', function () {
  this.timeout(120_000);
  before(async () => {
    await buildTrainer();
    writeFileSync(
      join(work, 'tiny.yaml'),
      [
        'seed: 3',
        'batch_size: 8',
        'backend: cpu',
        'model: { type: mlp, hidden: [64], activation: relu }',
        'data: { type: synthetic_classification, samples: 64, features: 4, classes: 3, noise: 3 }',
        'optimizer: { type: adam, learning_rate: 0.05 }',
        'output_dir: out',
        'log_steps: 5',
        'eval_split: 0.25',
        'eval_steps: 5',
        'save_steps: 5',
        'save_total_limit: 2',
        '',
      ].join('\n'),
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('survives retention and a resume whose evaluations are all worse', async () => {
    const first = await train(['max_steps=20']);
    assert.equal(first.code, 0, first.stderr);
    const firstEvals = eventsOf(first.stdout, 'evaluated');
    assert.deepEqual(
      firstEvals.map((e) => e.step),
      [5, 10, 15, 20],
    );
    const best = firstEvals.reduce((a, b) => (b.metrics.eval_loss! < a.metrics.eval_loss! ? b : a));
    const bestName = `checkpoint-${best.step}`;
    assert.ok(best.step < 15, `precondition: the best is not among the newest two (it is at step ${best.step})`);
    assert.deepEqual(trainerState('checkpoint-20').best_checkpoint, bestName);
    assert.deepEqual(checkpoints(), [bestName, 'checkpoint-20'], 'newer checkpoints rotated out, the best stayed');

    const second = await train(['max_steps=40', 'resume_from_checkpoint=true']);
    assert.equal(second.code, 0, second.stderr);
    const secondEvals = eventsOf(second.stdout, 'evaluated');
    assert.deepEqual(
      secondEvals.map((e) => e.step),
      [25, 30, 35, 40],
    );
    assert.ok(
      secondEvals.every((e) => e.metrics.eval_loss === null || e.metrics.eval_loss > best.metrics.eval_loss!),
      `precondition: the resumed session evaluates worse than ${best.metrics.eval_loss} (got ${secondEvals.map((e) => e.metrics.eval_loss).join(', ')})`,
    );
    const deleted = eventsOf(second.stdout, 'checkpoint_saved').flatMap((e) => e.deleted);
    assert.ok(!deleted.includes(bestName), `retention deleted the best ${bestName}`);
    assert.deepEqual(checkpoints(), [bestName, 'checkpoint-40'], 'the best and the newest, within save_total_limit 2');
    const state = trainerState('checkpoint-40');
    assert.deepEqual(
      [state.best_metric_name, state.best_checkpoint, state.best_metric],
      ['eval_loss', bestName, best.metrics.eval_loss],
    );
  });
});
