/** Retention with a metric: the N best kept beside the newest, within save_total_limit; ties, null metrics, and a resume. */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { nBest, selectForDeletion, type RetentionCandidate } from '../../../../src/core/checkpoint/retention';
import { makeContent, managerOptions, withTempDir } from './helpers';

const names = async (dir: string) =>
  (await readdir(join(dir, 'checkpoints')))
    .filter((n) => n.startsWith('checkpoint-'))
    .sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)));

/** Newest first, as discovery gives them: steps 60, 50, ... with these metrics by step. */
function candidates(metrics: Record<number, number | null>): RetentionCandidate[] {
  return Object.entries(metrics)
    .map(([step, metric]) => ({ name: `checkpoint-${step}`, step: Number(step), metric }))
    .sort((a, b) => b.step - a.step);
}

const limit = (save_total_limit: number | null) => ({ save_total_limit, keep_every_steps: null });

describe('retention with preserve_n_best', () => {
  it('keeps the N best by the metric and the newest, the total within save_total_limit', () => {
    const all = candidates({ 10: 0.5, 20: 0.2, 30: 0.9, 40: 0.3, 50: 0.8, 60: 0.7 });
    const deleted = selectForDeletion(all, limit(4), new Set(['checkpoint-60']), {
      preserve_n_best: 2,
      greater_is_better: false,
    });
    // best two: 20 (0.2) and 40 (0.3); the just-written 60; one more place: the newest other, 50.
    assert.deepEqual(deleted.sort(), ['checkpoint-10', 'checkpoint-30']);
    assert.equal(all.length - deleted.length, 4);
  });

  it('greater_is_better ranks the largest first', () => {
    const all = candidates({ 10: 0.5, 20: 0.2, 30: 0.9, 40: 0.3 });
    assert.deepEqual(nBest(all, { preserve_n_best: 2, greater_is_better: true }), ['checkpoint-30', 'checkpoint-10']);
    const deleted = selectForDeletion(all, limit(2), new Set(['checkpoint-40']), {
      preserve_n_best: 1,
      greater_is_better: true,
    });
    assert.deepEqual(deleted.sort(), ['checkpoint-10', 'checkpoint-20']);
  });

  it('a tie goes to the earlier checkpoint', () => {
    const all = candidates({ 10: 0.4, 20: 0.3, 30: 0.3, 40: 0.3 });
    assert.deepEqual(nBest(all, { preserve_n_best: 2, greater_is_better: false }), ['checkpoint-20', 'checkpoint-30']);
    const deleted = selectForDeletion(all, limit(2), new Set(['checkpoint-40']), {
      preserve_n_best: 1,
      greater_is_better: false,
    });
    assert.deepEqual(deleted.sort(), ['checkpoint-10', 'checkpoint-30']);
  });

  it('checkpoints without a metric (null, absent, not finite) are never among the best; with no metric at all only the newest stay', () => {
    const all: RetentionCandidate[] = [
      { name: 'checkpoint-40', step: 40, metric: null },
      { name: 'checkpoint-30', step: 30 },
      { name: 'checkpoint-20', step: 20, metric: Number.NaN },
      { name: 'checkpoint-10', step: 10, metric: 0.9 },
    ];
    assert.deepEqual(nBest(all, { preserve_n_best: 3, greater_is_better: false }), ['checkpoint-10']);
    assert.deepEqual(
      selectForDeletion(all, limit(2), new Set(['checkpoint-40']), {
        preserve_n_best: 3,
        greater_is_better: false,
      }).sort(),
      ['checkpoint-20', 'checkpoint-30'],
    );
    const none = candidates({ 10: null, 20: null, 30: null });
    assert.deepEqual(
      selectForDeletion(none, limit(2), new Set(['checkpoint-30']), { preserve_n_best: 1, greater_is_better: false }),
      ['checkpoint-10'],
    );
  });

  it('a limit below preserve_n_best + 1 still keeps the best and the just-written one; keep_every_steps stays outside the count', () => {
    const all = candidates({ 10: 0.1, 20: 0.5, 30: 0.6 });
    assert.deepEqual(
      selectForDeletion(all, limit(1), new Set(['checkpoint-30']), { preserve_n_best: 1, greater_is_better: false }),
      ['checkpoint-20'],
    );
    const withEvery = selectForDeletion(
      all,
      { save_total_limit: 2, keep_every_steps: 20 },
      new Set(['checkpoint-30']),
      { preserve_n_best: 1, greater_is_better: false },
    );
    assert.deepEqual(withEvery, []);
  });

  it('the manager ranks by eval_loss from the trainer states, including those an earlier session saved', async () => {
    await withTempDir(async (dir) => {
      const options = managerOptions({
        save_total_limit: 3,
        metric_for_best_model: 'eval_loss',
        greater_is_better: false,
        preserve_n_best: 2,
      });
      const save = async (manager: CheckpointManager, step: number, evalLoss: number | null) => {
        const content = makeContent(step, { loss: 1 });
        content.trainerState.metrics = { loss: 1, eval_loss: evalLoss };
        return (await (await manager.save(content)).done).deleted;
      };
      const first = new CheckpointManager(dir, options);
      for (const [step, value] of [
        [10, 0.5],
        [20, 0.2],
        [30, 0.4],
      ] as const)
        await save(first, step, value);
      assert.deepEqual(await names(dir), ['checkpoint-10', 'checkpoint-20', 'checkpoint-30']);
      assert.deepEqual(await save(first, 40, 0.45), ['checkpoint-10']);

      // A new session (resume): ranks checkpoint-20 and -30 from their files; worse or missing evals do not displace them.
      const second = new CheckpointManager(dir, options);
      await second.resume(true, { restoreOptimizer: true, restoreScheduler: true });
      assert.deepEqual(await save(second, 50, 0.9), ['checkpoint-40']);
      assert.deepEqual(await save(second, 60, null), ['checkpoint-50']);
      assert.deepEqual(await names(dir), ['checkpoint-20', 'checkpoint-30', 'checkpoint-60']);
      const state = JSON.parse(await readFile(join(dir, 'checkpoints', 'checkpoint-60', 'trainer_state.json'), 'utf8'));
      assert.deepEqual(
        [state.best_checkpoint, state.best_metric, state.best_metric_name],
        ['checkpoint-20', 0.2, 'eval_loss'],
      );
      // A better one enters the N best: the weaker of the two best becomes ordinary and rotates out first.
      assert.deepEqual(await save(second, 70, 0.1), ['checkpoint-30']);
      assert.deepEqual(await save(second, 80, 0.8), ['checkpoint-60']);
      assert.deepEqual(await names(dir), ['checkpoint-20', 'checkpoint-70', 'checkpoint-80']);
    });
  });
});
