import assert from 'node:assert/strict';
import type { TensorMap } from '../../../../src/core/checkpoint/types';
import { compareLosses, compareStates, compareTensorMaps, type Tolerance } from '../../../support/gpu/compare';

const tol: Tolerance = { atol: 1e-4, rtol: 1e-3, lossRtol: 1e-3, outlierFraction: 0.01 };
const map = (values: number[], name = 'w'): TensorMap => ({
  [name]: { dtype: 'float32', shape: [values.length], data: Float32Array.from(values) },
});
const ramp = (n: number, f: (i: number) => number = (i) => i / n): number[] =>
  Array.from({ length: n }, (_, i) => f(i));

describe('GPU comparison within a tolerance', () => {
  it('passes small differences and reports the largest', () => {
    const r = compareTensorMaps(map([1, 2, 3]), map([1.0005, 2, 3]), tol);
    assert.equal(r.ok, true);
    assert.ok(Math.abs(r.maxAbsDiff - 0.0005) < 1e-6);
    assert.ok(r.worstRatio > 0.4 && r.worstRatio <= 1);
    assert.equal(r.outliers, 0);
  });

  it('fails an element beyond its bound when no drift is allowed', () => {
    const r = compareTensorMaps(map([1, 2, 3]), map([1.01, 2, 3]), tol);
    assert.equal(r.ok, false);
    assert.match(r.problems[0]!, /w\[0\]: 1 vs 1.00999/);
  });

  it('tolerates a few noise-driven outliers within the drift bound, but not many, and none beyond it', () => {
    const expected = ramp(200);
    const few = expected.map((v, i) => (i === 7 ? v + 0.01 : v));
    assert.equal(compareTensorMaps(map(few), map(expected), tol, 0.05).ok, true, '1 of 200 within the drift bound');
    assert.equal(compareTensorMaps(map(few), map(expected), tol, 0.005).ok, false, 'beyond the drift bound');
    const many = expected.map((v, i) => (i % 10 === 0 ? v + 0.01 : v));
    const r = compareTensorMaps(map(many), map(expected), tol, 0.05);
    assert.equal(r.ok, false, '20 of 200 is a bug, not noise');
    assert.match(r.problems.join(), /20 of 200 elements beyond the element bound \(at most 2 allowed\)/);
  });

  it('missing tensors, shape changes and NaN are failures', () => {
    assert.match(
      compareTensorMaps(map([1], 'a'), map([1], 'b'), tol).problems.join(),
      /a: only in the actual.*b: only in the expected/,
    );
    assert.match(compareTensorMaps(map([1, 2]), map([1]), tol).problems.join(), /shape \[2\] vs \[1\]/);
    assert.equal(compareTensorMaps(map([NaN]), map([1]), tol, Infinity).ok, false);
    assert.equal(compareTensorMaps(map([NaN]), map([NaN]), tol).ok, true);
  });

  it('losses compare relative to max(1, |loss|)', () => {
    assert.equal(compareLosses([2.3, 1.0005], [2.3001, 1], tol).ok, true);
    const bad = compareLosses([2.3, 1.01], [2.3, 1], tol);
    assert.equal(bad.ok, false);
    assert.match(bad.worst!, /step 2: 1.01 vs 1/);
    assert.equal(compareLosses([1], [1, 2], tol).ok, false);
    assert.equal(compareLosses([NaN], [1], tol).ok, false);
  });

  it('states: integers exact, floats within tolerance, the rest equal', () => {
    assert.deepEqual(
      compareStates({ iterations: 5, beta: 0.9000001, type: 'adam' }, { iterations: 5, beta: 0.9, type: 'adam' }, tol),
      [],
    );
    assert.deepEqual(compareStates({ iterations: 6, type: 'sgd' }, { iterations: 5, type: 'adam' }, tol), [
      'iterations: 6 vs 5',
      'type: "sgd" vs "adam"',
    ]);
  });
});
