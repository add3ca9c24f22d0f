import assert from 'node:assert/strict';
import { againstReference, failedResult, median } from '../../../bench/result';

const id = { group: 'panel', name: 'first_render', backend: 'chromium', unit: 'ms' } as const;

describe('bench rows', () => {
  it('divides the value by the same-run reference', () => {
    const row = againstReference(id, 300, { name: 'plain', value: 200 }, 'why');
    assert.equal(row.ratio, 1.5);
    assert.deepEqual(row.reference, { name: 'plain', value: 200 });
    assert.equal(row.detail, 'why');
  });

  it('leaves the ratio out when the reference is missing or zero', () => {
    assert.equal(againstReference(id, 3, null, '').ratio, null);
    assert.equal(againstReference(id, 3, { name: 'zero', value: 0 }, '').ratio, null);
  });

  it('keeps a failed row under its name with a null value and the reason', () => {
    const row = failedResult(id, 'chromium did not start');
    assert.equal(row.name, 'first_render');
    assert.equal(row.value, null);
    assert.equal(row.ratio, null);
    assert.match(row.detail, /chromium did not start/);
  });

  it('takes medians of odd and even counts, and refuses none', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.throws(() => median([]));
  });
});
