import assert from 'node:assert/strict';
import { selectForDeletion, type RetentionCandidate } from '../../../../src/core/checkpoint/retention';

/** Candidates named by step, newest first. */
const steps = (...list: Array<number | null>): RetentionCandidate[] =>
  list.map((step, i) => ({ name: step === null ? `odd-${i}` : `checkpoint-${step}`, step }));
const none = new Set<string>();

describe('selectForDeletion: which valid checkpoints retention deletes', () => {
  it('keeps exactly the newest `limit` and deletes the rest, oldest last in the list', () => {
    assert.deepEqual(selectForDeletion(steps(5, 4, 3, 2, 1), { save_total_limit: 2, keep_every_steps: null }, none), [
      'checkpoint-3',
      'checkpoint-2',
      'checkpoint-1',
    ]);
    assert.deepEqual(selectForDeletion(steps(5, 4), { save_total_limit: 2, keep_every_steps: null }, none), []);
    assert.deepEqual(selectForDeletion(steps(5, 4, 3), { save_total_limit: 1, keep_every_steps: null }, none), [
      'checkpoint-4',
      'checkpoint-3',
    ]);
  });

  it('protected checkpoints stay even when they alone exceed the limit', () => {
    assert.deepEqual(
      selectForDeletion(
        steps(3, 2, 1),
        { save_total_limit: 1, keep_every_steps: null },
        new Set(['checkpoint-3', 'checkpoint-1']),
      ),
      ['checkpoint-2'],
    );
    assert.deepEqual(
      selectForDeletion(steps(3, 2, 1), { save_total_limit: 0, keep_every_steps: null }, new Set(['checkpoint-2'])),
      ['checkpoint-3', 'checkpoint-1'],
    );
  });

  it('keep_every_steps multiples are kept outside the limit and do not use it up, even when protected', () => {
    assert.deepEqual(selectForDeletion(steps(6, 5, 4, 3, 2, 1), { save_total_limit: 1, keep_every_steps: 2 }, none), [
      'checkpoint-3',
      'checkpoint-1',
    ]);
    assert.deepEqual(
      selectForDeletion(steps(6, 5, 3), { save_total_limit: 1, keep_every_steps: 2 }, new Set(['checkpoint-6'])),
      ['checkpoint-3'],
    );
  });

  it('a keep_every_steps of 0 or below keeps nothing extra', () => {
    for (const every of [0, -2]) {
      assert.deepEqual(
        selectForDeletion(steps(4, 2, 1), { save_total_limit: 1, keep_every_steps: every }, none),
        ['checkpoint-2', 'checkpoint-1'],
        String(every),
      );
    }
  });

  it('a checkpoint without a step rotates with the others (it is no multiple of anything)', () => {
    assert.deepEqual(selectForDeletion(steps(3, null, 1), { save_total_limit: 1, keep_every_steps: 2 }, none), [
      'odd-1',
      'checkpoint-1',
    ]);
  });

  it('without a limit nothing is deleted', () => {
    assert.deepEqual(selectForDeletion(steps(3, 2, 1), { save_total_limit: null, keep_every_steps: 2 }, none), []);
  });
});
