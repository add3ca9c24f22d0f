import assert from 'node:assert/strict';
import { debiasedEma } from '../../../../src/core/metrics/ema';

describe('debiasedEma (TensorBoard smoothing)', () => {
  it('matches a hand computation of the debiased average', () => {
    const w = 0.5;
    // last_1 = 0.5*1 = 0.5, debias 0.5 -> 1; last_2 = 0.25 + 0.5*3 = 1.75, debias 0.75 -> 2.3333
    // last_3 = 0.875 + 0.5*2 = 1.875, debias 0.875 -> 2.142857
    const out = debiasedEma([1, 3, 2], w);
    assert.deepEqual(
      Array.from(out).map((v) => Number(v.toFixed(6))),
      [1, 2.333333, 2.142857],
    );
  });

  it('returns the values unchanged at weight 0', () => {
    assert.deepEqual(Array.from(debiasedEma([4, 1, 9], 0)), [4, 1, 9]);
  });

  it('starts at the first value rather than ramping up from zero', () => {
    const out = debiasedEma([10, 10.5, 9.5], 0.99);
    assert.ok(Math.abs((out[0] as number) - 10) < 1e-12);
    assert.ok((out[1] as number) > 10 && (out[1] as number) < 10.5);
  });

  it('passes non-finite values through and keeps them out of the average', () => {
    const withGap = debiasedEma([1, Number.NaN, null, Infinity, 3], 0.5);
    const without = debiasedEma([1, 3], 0.5);
    assert.ok(Number.isNaN(withGap[1]));
    assert.ok(Number.isNaN(withGap[2]), 'null (JSON for NaN) is non-finite');
    assert.equal(withGap[3], Infinity);
    assert.equal(withGap[4], without[1]);
  });

  it('leaves a constant series exactly as it is', () => {
    assert.deepEqual(Array.from(debiasedEma([0.3, 0.3, 0.3, 0.3], 0.9)), [0.3, 0.3, 0.3, 0.3]);
  });

  it('refuses a weight outside [0, 1]', () => {
    assert.throws(() => debiasedEma([1], 1.5), /between 0 and 1/);
    assert.throws(() => debiasedEma([1], Number.NaN), /between 0 and 1/);
    assert.throws(() => debiasedEma([1], -0.01), /between 0 and 1, got -0\.01/);
  });

  it('takes both ends of [0, 1] as weights', () => {
    assert.doesNotThrow(() => debiasedEma([1, 2], 0));
    assert.doesNotThrow(() => debiasedEma([1, 2], 1));
  });
});
