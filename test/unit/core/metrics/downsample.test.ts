import assert from 'node:assert/strict';
import { downsampleColumns, minMaxIndices } from '../../../../src/core/metrics/downsample';
import { MetricsSeries } from '../../../../src/core/metrics/series';

describe('minMaxIndices', () => {
  it('keeps every point when they fit', () => {
    assert.deepEqual(Array.from(minMaxIndices([1, 2, 3], 0, 3, 10)), [0, 1, 2]);
  });

  it('keeps each bucket’s lowest and highest value, in step order, within the budget', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10));
    values[500] = 50; // a spike must survive
    values[700] = -50;
    const keep = minMaxIndices(values, 0, values.length, 102); // first + last + 50 buckets of 20
    assert.ok(keep.length <= 102, `kept ${keep.length}`);
    assert.ok(keep.includes(500) && keep.includes(700));
    for (let i = 1; i < keep.length; i++) assert.ok((keep[i] as number) > (keep[i - 1] as number));
    // Each of the 50 buckets of 20 points contributes its extremes.
    const bucket = Array.from(keep).filter((i) => i >= 40 && i < 60);
    const slice = values.slice(40, 60);
    assert.deepEqual(
      bucket.map((i) => values[i]).sort((a, b) => (a as number) - (b as number)),
      [Math.min(...slice), Math.max(...slice)],
    );
  });

  it('skips non-finite values but keeps a gap for an all-NaN bucket', () => {
    const values = [1, Number.NaN, 3, 4, Number.NaN, Number.NaN, 2, 8];
    assert.deepEqual(Array.from(minMaxIndices(values, 0, 8, 8)), [0, 1, 2, 3, 4, 5, 6, 7]);
    const keep = Array.from(minMaxIndices(values, 0, 8, 7)); // first, last + 2 buckets: [0,4) [4,8)
    assert.deepEqual(keep, [0, 3, 6, 7]);
    const nan = Number.NaN;
    const gap = Array.from(minMaxIndices([1, 2, nan, nan, nan, nan, nan, nan, 3, 4], 0, 10, 8)); // buckets [0,3) [3,6) [6,10)
    assert.deepEqual(gap, [0, 1, 3, 8, 9], 'the all-NaN bucket [3,6) keeps its first point');
  });

  it('on ties keeps the first lowest and the first highest point of a bucket, one point when they are the same', () => {
    // 10 points, budget 6: first + last + 2 buckets [0,5) [5,10).
    const values = [3, 1, 1, 7, 7, 2, 2, 2, 2, 2];
    assert.deepEqual(Array.from(minMaxIndices(values, 0, 10, 6)), [0, 1, 3, 5, 9]);
  });

  it('keeps the highest point of the first bucket when the lowest is the first point', () => {
    const values = [0, 5, 3, 3, 3, 3, 3, 3, 3, 3];
    assert.deepEqual(Array.from(minMaxIndices(values, 0, 10, 6)), [0, 1, 5, 9]);
  });

  it('works on a range that does not start at 0, giving indices into the whole array', () => {
    const values = [9, 9, 9, 9, 9, ...[3, 1, 1, 7, 7, 2, 2, 2, 2, 2], 9, 9];
    assert.deepEqual(Array.from(minMaxIndices(values, 5, 15, 6)), [5, 6, 8, 10, 14]);
    assert.deepEqual(Array.from(minMaxIndices(values, 5, 8, 6)), [5, 6, 7]);
    assert.deepEqual(Array.from(minMaxIndices(values, 5, 5, 6)), []);
  });

  it('a budget under 2 keeps the first and last points; a fractional budget is rounded down', () => {
    assert.deepEqual(Array.from(minMaxIndices([1, 2, 3, 4, 5], 0, 5, 1)), [0, 4]);
    assert.deepEqual(Array.from(minMaxIndices([1, 2, 3, 4, 5], 0, 5, 0)), [0, 4]);
    // 4.5 is 4, fewer than the 5 points: one bucket, whose extremes are the first and last points.
    assert.deepEqual(Array.from(minMaxIndices([1, 2, 3, 4, 5], 0, 5, 4.5)), [0, 4]);
  });

  it('downsamples a million points to the budget, keeping the first and last step', () => {
    const n = 1_000_000;
    const series = new MetricsSeries();
    for (let i = 0; i < n; i++) series.append(i, 1 / (1 + i / 1000) + (i % 7) * 1e-3, 1e-3);
    const payload = downsampleColumns(series.columns(), 0, n, 3200);
    assert.ok(payload.steps.length <= 3200 && payload.steps.length >= 3000, `${payload.steps.length} points`);
    assert.equal(payload.steps[0], 0);
    assert.equal(payload.steps[payload.steps.length - 1], n - 1);
  });

  it('writes non-finite values as null (JSON has no NaN)', () => {
    const series = new MetricsSeries();
    series.append(1, Number.NaN, Infinity);
    series.append(2, 0.5, 0.1, 1700000000.5);
    assert.deepEqual(downsampleColumns(series.columns(), 0, 2, 10), {
      steps: [1, 2],
      loss: [null, 0.5],
      lr: [null, 0.1],
      time: [null, 1700000000.5],
    });
  });
});

describe('MetricsSeries', () => {
  it('an empty series has no last step; a repeated step replaces the point; columns from a cache grow from empty', () => {
    const s = new MetricsSeries();
    assert.equal(s.lastStep, null);
    s.append(1, 1, 0);
    s.append(2, 2, 0);
    s.append(2, 5, 0);
    assert.deepEqual(Array.from(s.columns().loss), [1, 5]);
    const empty = MetricsSeries.fromColumns({
      steps: new Float64Array(0),
      loss: new Float64Array(0),
      lr: new Float64Array(0),
      time: new Float64Array(0),
    });
    empty.append(3, 0.5, 0.1);
    assert.deepEqual(Array.from(empty.columns().steps), [3]);
    for (const [loss, lr] of [
      [2, 1],
      [1, 2],
    ])
      assert.throws(
        () =>
          MetricsSeries.fromColumns({
            steps: new Float64Array(1),
            loss: new Float64Array(loss!),
            lr: new Float64Array(lr!),
            time: new Float64Array(1),
          }),
        /^Error: metrics columns of different lengths$/,
      );
  });

  it('drops the abandoned tail when steps go back (a resume), and finds ranges', () => {
    const s = new MetricsSeries();
    for (let i = 1; i <= 2000; i++) s.append(i, i, 0);
    s.truncateAfter(1500);
    assert.equal(s.lastStep, 1500);
    s.append(1400, -1, 0); // a restart without a resume event
    assert.equal(s.length, 1400);
    assert.equal(s.columns().loss[1399], -1);
    assert.deepEqual(s.indexRange(10, 20), [9, 20]);
  });
});
