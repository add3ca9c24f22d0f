import assert from 'node:assert/strict';
import type { SchedulerConfig } from '../../../src/core/config/types';
import { LrScheduler, learningRateAt, resolveSchedule } from '../../../src/trainer/schedulers';

const base: SchedulerConfig = {
  type: 'constant',
  warmup_steps: 0,
  decay_steps: null,
  step_size: 3,
  gamma: 0.5,
  min_lr: 0.1,
};
const lrs = (config: SchedulerConfig, steps: number, maxSteps = 10): number[] =>
  Array.from({ length: steps }, (_, i) => learningRateAt(resolveSchedule(config, 1, maxSteps), i));
const close = (a: number[], b: number[]): void =>
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-12, `step ${i}: ${x} vs ${b[i]}`));

describe('learning-rate schedules', () => {
  it('constant ignores warmup', () => close(lrs({ ...base, warmup_steps: 5 }, 3), [1, 1, 1]));

  it('linear_warmup ramps to the base LR over warmup_steps (never 0), then holds', () => {
    close(lrs({ ...base, type: 'linear_warmup', warmup_steps: 4 }, 6), [0.25, 0.5, 0.75, 1, 1, 1]);
  });

  it('cosine warms up, then decays from base to min_lr at decay_steps (default max_steps) and stays', () => {
    const v = lrs({ ...base, type: 'cosine', warmup_steps: 2 }, 12);
    close(v.slice(0, 3), [0.5, 1, 1]);
    close([v[6]!], [0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5))]); // halfway through 8 decay steps
    close(v.slice(10), [0.1, 0.1]);
    close(lrs({ ...base, type: 'cosine', decay_steps: 4 }, 5).slice(4), [0.1]);
  });

  it('linear decays straight to min_lr', () =>
    close(lrs({ ...base, type: 'linear', decay_steps: 4 }, 6), [1, 0.775, 0.55, 0.325, 0.1, 0.1]));

  it('step multiplies by gamma every step_size steps after warmup', () =>
    close(lrs({ ...base, type: 'step' }, 7), [1, 1, 1, 0.5, 0.5, 0.5, 0.25]));

  it('exponential multiplies by gamma each step after warmup', () =>
    close(lrs({ ...base, type: 'exponential', warmup_steps: 1 }, 4), [1, 1, 0.5, 0.25]));
});

describe('LrScheduler state', () => {
  for (const type of ['constant', 'linear_warmup', 'cosine', 'step', 'exponential', 'linear'] as const) {
    it(`${type}: the state round-trips through JSON and the schedule continues identically`, () => {
      const config = { ...base, type, warmup_steps: 2 };
      const a = LrScheduler.fromConfig(config, 0.01, 20);
      for (let i = 0; i < 7; i++) a.advance();
      const state = JSON.parse(JSON.stringify(a.getState()));
      assert.equal(state.step, 7);
      assert.equal(state.next_lr, a.nextLr());
      const b = LrScheduler.fromConfig(config, 0.01, 20);
      assert.deepEqual(b.setState(state), []);
      assert.deepEqual(b.getState(), a.getState());
      for (let i = 0; i < 5; i++) {
        assert.equal(b.nextLr(), a.nextLr());
        a.advance();
        b.advance();
      }
    });
  }

  it('refuses a state from another schedule type and warns about changed parameters', () => {
    const a = LrScheduler.fromConfig({ ...base, type: 'cosine' }, 0.01, 20);
    a.advance();
    assert.throws(
      () => LrScheduler.fromConfig({ ...base, type: 'step' }, 0.01, 20).setState(a.getState()),
      /restore_scheduler_state: false/,
    );
    const longer = LrScheduler.fromConfig({ ...base, type: 'cosine' }, 0.01, 40);
    const warnings = longer.setState(a.getState());
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /decay_steps was 20 .* is 40/);
    assert.equal(longer.step, 1);
  });
});
