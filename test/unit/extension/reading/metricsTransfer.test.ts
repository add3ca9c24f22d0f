/**
 * A metrics history across the reader worker boundary: the host adopts the worker's resolved columns
 * instead of appending a million points on its own thread, and replays anything not ascending.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_MIN_BYTES, readMetricsFileCached } from '../../../../src/core/metrics/metricsCache';
import { emptyHistory } from '../../../../src/core/metrics/metricsReader';
import {
  historyFromTransfer,
  historyToTransfer,
  readRunMetricsTransfer,
  transferBuffers,
} from '../../../../src/extension/reading/metricsTransfer';
import { transferablesOf } from '../../../../src/extension/reading/readerOps';

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

  it("moves a cached run's columns, loss and every other metric, to the host in one buffer, not copied", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-transfer-'));
    try {
      const lines: string[] = [];
      for (let step = 1; step <= 20_000; step++)
        lines.push(JSON.stringify({ step, loss: 1 / step, lr: 0.001, examples_per_sec: step, wall_time: step }));
      writeFileSync(join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n`);
      const parsed = await readMetricsFileCached(join(dir, 'metrics.jsonl')); // writes the cache
      assert.ok(parsed.bytesRead >= CACHE_MIN_BYTES);
      const transfer = await readRunMetricsTransfer(dir);
      const buffers = transferablesOf('readRunMetrics', transfer);
      assert.deepEqual(buffers, transferBuffers(transfer));
      assert.equal(buffers.length, 1, 'the cache is read as one buffer, every column a view of it');
      const moved = structuredClone(transfer, { transfer: buffers });
      assert.equal(transfer.columns.loss.byteLength, 0, 'the worker’s buffer was moved (detached), not copied');
      const history = historyFromTransfer(moved);
      assert.equal(history.series.length, 20_000);
      assert.equal(history.series.columns().loss[9], 1 / 10);
      const throughput = history.scalars.get('examples_per_sec')!;
      assert.ok(throughput.values instanceof Float64Array);
      assert.deepEqual(Array.from(throughput.values.subarray(0, 3)), [1, 2, 3]);
      assert.equal(throughput.values.buffer, history.series.columns().steps.buffer);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
