/**
 * A metrics history across the reader worker boundary: the host adopts the worker's resolved columns
 * instead of appending a million points on its own thread, and replays anything not ascending.
 */
import assert from 'node:assert/strict';
import { emptyHistory } from '../../../../src/core/metrics/metricsReader';
import { historyFromTransfer, historyToTransfer } from '../../../../src/extension/reading/metricsTransfer';

function historyOf(points: Array<[number, number]>) {
  const history = emptyHistory();
  for (const [step, loss] of points) history.series.append(step, loss, 0.1, 1_700_000_000 + step);
  history.bytesRead = 123;
  history.lines = points.length;
  return history;
}

describe('metrics history transfer (reader worker → host)', () => {
  it("adopts the worker's ascending columns as they are: same points, no copy", () => {
    const transfer = historyToTransfer(historyOf([1, 2, 3, 5, 8].map((s) => [s, 1 / s])));
    const history = historyFromTransfer(transfer);
    const c = history.series.columns();
    assert.deepEqual(Array.from(c.steps), [1, 2, 3, 5, 8]);
    assert.deepEqual(Array.from(c.loss), [1, 1 / 2, 1 / 3, 1 / 5, 1 / 8]);
    assert.deepEqual(
      Array.from(c.time),
      [1, 2, 3, 5, 8].map((s) => 1_700_000_000 + s),
    );
    assert.equal(c.steps.buffer, transfer.columns.steps.buffer, 'the columns were copied point by point');
    assert.deepEqual([history.bytesRead, history.lines], [123, 5]);
    // Still a live series: appends go on after the adopted points.
    history.series.append(9, 0.1, 0.1, 0);
    assert.equal(history.series.lastStep, 9);
  });

  it('replays columns that are not ascending, so a step that goes back truncates as the reader would', () => {
    const transfer = historyToTransfer(historyOf([1, 2, 3].map((s) => [s, s])));
    transfer.columns = {
      steps: Float64Array.from([1, 2, 3, 2]),
      loss: Float64Array.from([1, 2, 3, 20]),
      lr: new Float64Array(4),
      time: new Float64Array(4),
    };
    const c = historyFromTransfer(transfer).series.columns();
    assert.deepEqual(Array.from(c.steps), [1, 2]);
    assert.deepEqual(Array.from(c.loss), [1, 20]);
  });
});
