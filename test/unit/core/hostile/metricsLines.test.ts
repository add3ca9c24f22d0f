/**
 * metrics.jsonl with giant lines: the reader streams with a line-length limit, skips and reports a
 * longer line, keeps every other record, and never holds more than about one limit of a line; and
 * with endless distinct metric names: the first READ_LIMITS.metricNames are kept, the rest reported.
 */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyHistory, readAppendedMetrics, readMetricsFile } from '../../../../src/core/metrics/metricsReader';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { useTempDir, writeSparse } from './hostileFiles';

const line = (step: number) => `{"step":${step},"loss":${1 / step},"lr":0.1}\n`;
const LIMIT = READ_LIMITS.metricsLineBytes;

describe('hostile metrics.jsonl', () => {
  const dir = useTempDir('hostile-metrics');

  it('follows a run past a 2.2 GB line (sparse file): skipped, reported with its line number, later records kept', async () => {
    const path = join(dir(), 'metrics.jsonl');
    const size = 2_200_000_000;
    writeSparse(path, size, Buffer.from(line(1)), Buffer.from(`\n${line(3).trimEnd()}\n`));
    const history = emptyHistory();
    const points: number[] = [];
    assert.equal(
      await readAppendedMetrics(path, history, { point: (step) => points.push(step), resumed: () => undefined }),
      true,
    );
    assert.deepEqual(points, [1, 3]);
    assert.equal(history.bytesRead, size);
    assert.deepEqual(history.problems, [
      `${path} line 2: longer than ${LIMIT} bytes (the limit for one record); line skipped`,
    ]);
    assert.equal(history.lines, 3);
  });

  it('reads a whole file with a 128 MB line in linear time: the same rows as without it', async () => {
    const path = join(dir(), 'metrics.jsonl');
    writeFileSync(path, line(1));
    appendFileSync(path, Buffer.alloc(128 * 1024 * 1024, 0x61));
    appendFileSync(path, `\n${line(2)}${line(3)}`);
    const history = await readMetricsFile(path);
    assert.deepEqual([...history.series.columns().steps], [1, 2, 3]);
    assert.equal(history.problemCount, 1);
    assert.match(history.problems[0]!, /line 2: longer than/);
  });

  it('keeps the first metric names up to the limit and reports the rest once; the loss and known metrics go on', async () => {
    const path = join(dir(), 'metrics.jsonl');
    const names = READ_LIMITS.metricNames;
    // 200 new names a line: every line after the limit would otherwise add 200 columns more.
    const lines: string[] = [];
    for (let step = 1; step <= 20; step++) {
      const fields = Array.from({ length: 200 }, (_, i) => `"m${step}_${i}":1`).join(',');
      lines.push(`{"step":${step},"loss":${1 / step},"lr":0.1,"acc":0.5,${fields}}`);
    }
    writeFileSync(path, `${lines.join('\n')}\n`);
    const history = await readMetricsFile(path);
    assert.equal(history.scalars.count, names);
    assert.deepEqual(
      [...history.series.columns().steps],
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(history.scalars.get('acc')?.steps.length, 20, 'a metric known before the limit goes on');
    assert.equal(history.problemCount, 1);
    assert.match(
      history.problems[0]!,
      new RegExp(`line 5: more than ${names} metric names \\("m5_199" is one too many\\)`),
    );
  });

  it('accepts a line of exactly the limit and reports one byte more, in whole and appended reads', async () => {
    const pad = (bytes: number) => `{"step":7,"loss":0.5,"lr":0.1,"note":"${'x'.repeat(bytes - 40)}"}`;
    assert.equal(Buffer.byteLength(pad(LIMIT)), LIMIT);
    const path = join(dir(), 'metrics.jsonl');
    writeFileSync(path, `${pad(LIMIT)}\n${pad(LIMIT + 1).replace('"step":7', '"step":8')}\n${line(9)}`);
    for (const history of [await readMetricsFile(path), await appended(path)]) {
      assert.deepEqual([...history.series.columns().steps], [7, 9]);
      assert.equal(history.problemCount, 1);
      assert.match(history.problems[0]!, /line 2: longer than/);
    }
  });

  it('keeps skipping an over-long line that is still being written across appended reads, then reads on', async () => {
    const path = join(dir(), 'metrics.jsonl');
    writeFileSync(path, line(1) + 'y'.repeat(LIMIT + 10));
    const history = emptyHistory();
    await readAppendedMetrics(path, history);
    assert.equal(history.skippingLongLine, true);
    assert.equal(history.problemCount, 0); // reported once its newline arrives
    appendFileSync(path, 'y'.repeat(LIMIT * 2));
    await readAppendedMetrics(path, history);
    appendFileSync(path, `yyy\n${line(2)}{"step":3,`);
    await readAppendedMetrics(path, history);
    assert.deepEqual([...history.series.columns().steps], [1, 2]);
    assert.equal(history.problemCount, 1);
    assert.equal(history.skippingLongLine, false);
    appendFileSync(path, '"loss":0.3,"lr":0.1}\n');
    await readAppendedMetrics(path, history);
    assert.deepEqual([...history.series.columns().steps], [1, 2, 3]);
  });
});

async function appended(path: string) {
  const history = emptyHistory();
  await readAppendedMetrics(path, history);
  return history;
}
