/**
 * ScalarSet's typed columns: adopted as they come (views of one buffer, as the metrics cache reads
 * them), grown on append, and never writing past a metric's own points into a neighbour's bytes.
 */
import assert from 'node:assert/strict';
import { ScalarSet } from '../../../../src/core/metrics/scalarSeries';

describe('ScalarSet columns (Float64Array)', () => {
  it('adopts views of one shared buffer without copying, and appends without touching the neighbours', () => {
    const buffer = new ArrayBuffer(6 * 2 * 8);
    const at = (i: number) => new Float64Array(buffer, i * 16, 2);
    const [steps, values, times, steps2, values2, times2] = [0, 1, 2, 3, 4, 5].map(at) as Float64Array<ArrayBuffer>[];
    steps!.set([1, 2]);
    values!.set([0.5, 0.25]);
    times!.set([10, 20]);
    steps2!.set([5, 6]);
    values2!.set([7, 8]);
    times2!.set([50, 60]);
    const set = ScalarSet.fromColumns({
      a: { steps: steps!, values: values!, times: times! },
      b: { steps: steps2!, values: values2!, times: times2! },
    });
    assert.equal(set.get('a')!.values.buffer, buffer, 'adopted, not copied');
    // A resume back to step 1, then a new step 2: written inside a's own view.
    set.truncateAfter(1);
    set.append('a', 2, 0.75, 21);
    set.append('a', 3, 0.125, 30); // past the view's end: grows into a buffer of its own
    assert.deepEqual(Array.from(set.get('a')!.steps), [1, 2, 3]);
    assert.deepEqual(Array.from(set.get('a')!.values), [0.5, 0.75, 0.125]);
    assert.notEqual(set.get('a')!.values.buffer, buffer);
    assert.equal(set.get('b')!.steps.length, 0, 'b had only steps after 1');
    assert.deepEqual(Array.from(new Float64Array(buffer, 3 * 16, 6)), [5, 6, 7, 8, 50, 60], 'b’s bytes untouched');
  });

  it('drops a metric’s abandoned tail when a step goes back, and downsamples one metric on request', () => {
    const set = new ScalarSet();
    for (let s = 1; s <= 100; s++) set.append('m', s, s === 50 ? 1000 : s, s);
    set.append('m', 90, -1, 90);
    assert.equal(set.get('m')!.steps.length, 90);
    assert.equal(set.get('m')!.values[89], -1);
    const payload = set.payloadOf('m', 10)!;
    assert.ok(payload.steps.length <= 10);
    assert.ok(payload.values.includes(1000), 'the spike survives downsampling');
    assert.equal(set.payloadOf('absent', 10), undefined);
  });
});
