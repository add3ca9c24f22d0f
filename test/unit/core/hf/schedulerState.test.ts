import assert from 'node:assert/strict';
import { PickleDict, type PickleValue } from '../../../../src/core/hf/pickle';
import { summarizeScheduler } from '../../../../src/core/hf/schedulerState';
import type { TorchFile } from '../../../../src/core/hf/torchFile';

/** A scheduler.pt as the torch reader gives it: only its root dict and path are read. */
function file(entries: Record<string, PickleValue>, path = '/run/checkpoint-9/scheduler.pt'): TorchFile {
  const root = new PickleDict();
  for (const [key, value] of Object.entries(entries)) root.map.set(key, value);
  return { root, path } as unknown as TorchFile;
}
const common = { base_lrs: [0.1, 0.2], last_epoch: 7, _step_count: 8, verbose: false, _last_lr: [0.05, 0.1] };

describe('hf: scheduler.pt summary', () => {
  it('infers each scheduler type from its own settings', () => {
    const cases: [Record<string, PickleValue>, string][] = [
      [{ lr_lambdas: [null] }, 'lambda'],
      [{ T_0: 10, T_mult: 2, eta_min: 0 }, 'cosine_warm_restarts'],
      [{ T_max: 100, eta_min: 0 }, 'cosine'],
      [{ total_steps: 100, anneal_func: 'cos', gamma: 1 }, 'one_cycle'],
      [{ milestones: [1], gamma: 0.1 }, 'multistep'],
      [{ step_size: 10, gamma: 0.1 }, 'step'],
      [{ start_factor: 0.1, end_factor: 1, total_iters: 5 }, 'linear'],
      [{ factor: 0.5, total_iters: 5 }, 'constant'],
      [{ total_iters: 5, power: 1 }, 'polynomial'],
      [{ patience: 3, cooldown: 0 }, 'plateau'],
      [{ gamma: 0.9 }, 'exponential'],
      [{ mystery: 1 }, 'unknown'],
      [{ T_max: 100 }, 'unknown'],
    ];
    for (const [own, type] of cases) {
      const summary = summarizeScheduler(file({ ...common, ...own }), 1);
      assert.equal(summary.type, type, JSON.stringify(own));
      assert.equal(summary.typeInferred, true);
    }
  });

  it('says which keys it inferred the type from, leaving out the common ones', () => {
    assert.equal(
      summarizeScheduler(file({ ...common, step_size: 10, gamma: 0.1 }), 1).typeInferredFrom,
      'keys step_size, gamma',
    );
    assert.equal(summarizeScheduler(file(common), 1).typeInferredFrom, 'no scheduler-specific keys');
    assert.equal(summarizeScheduler(file(common), 1).type, 'unknown');
  });

  it('keeps numbers, strings, null and booleans of the own settings, not lists or the common keys', () => {
    const summary = summarizeScheduler(
      file({
        ...common,
        optimizer: 'x',
        _get_lr_called_within_step: false,
        T_max: 100,
        eta_min: null,
        mode: 'min',
        three_phase: true,
        milestones: [1, 2],
      }),
      1,
    );
    assert.deepEqual(summary.config, { T_max: 100, eta_min: null, mode: 'min', three_phase: 'true' });
  });

  it('reads the step, learning rates and step count', () => {
    const summary = summarizeScheduler(file({ ...common, _last_lr: [0.05, 'x', 0.1] as PickleValue }), 1234);
    assert.equal(summary.step, 7);
    assert.equal(summary.last_lr, 0.05);
    assert.equal(summary.next_lr, null);
    assert.deepEqual(summary.lastLrs, [0.05, 0.1]);
    assert.deepEqual(summary.baseLrs, [0.1, 0.2]);
    assert.equal(summary.stepCount, 8);
    assert.equal(summary.bytes, 1234);
  });

  it('fills what a scheduler does not keep: step 0, no last learning rate, no step count', () => {
    const summary = summarizeScheduler(file({ patience: 3, cooldown: 0, last_epoch: 'x', _last_lr: 0.1 }), 1);
    assert.equal(summary.step, 0);
    assert.ok(Number.isNaN(summary.last_lr));
    assert.deepEqual(summary.lastLrs, []);
    assert.deepEqual(summary.baseLrs, []);
    assert.equal(summary.stepCount, null);
  });

  it('refuses a root that is not a dict, naming the file', () => {
    const list = { root: [1], path: '/x/scheduler.pt' } as unknown as TorchFile;
    assert.throws(() => summarizeScheduler(list, 1), {
      message: '/x/scheduler.pt: not a scheduler state_dict (expected a dict)',
    });
  });
});
