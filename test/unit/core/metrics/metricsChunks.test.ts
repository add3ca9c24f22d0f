import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { emptyHistory, readAppendedMetrics, readMetricsFile } from '../../../../src/core/metrics/metricsReader';

const CHUNK = READ_LIMITS.metricsChunkBytes;
const LIMIT = READ_LIMITS.metricsLineBytes;
const row = (step: number) => `{"step":${step},"loss":${step / 10},"lr":0.5}`;

describe('metrics files larger than one read chunk', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'metrics-chunks-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Rows 1..n, padded so that row `split` straddles the first chunk boundary. */
  function straddling(split: number, n: number): string {
    const rows = Array.from({ length: n }, (_, i) => row(i + 1));
    const before = rows.slice(0, split - 1).join('\n') + '\n';
    const pad = CHUNK - Buffer.byteLength(before) - 10; // row `split` starts 10 bytes before the boundary
    return before.replace(/^/, `{"step":0,"loss":1,"lr":0.5,"pad":"${'x'.repeat(pad - 38)}"}\n`);
  }

  it('a line cut by the chunk boundary is joined, in whole-file and appended reads alike', async () => {
    const path = join(dir, 'metrics.jsonl');
    const text = straddling(5, 5) + row(5) + '\n' + row(6) + '\n';
    writeFileSync(path, text);
    assert.equal(Buffer.byteLength(straddling(5, 5)), CHUNK - 10);
    for (const history of [await readMetricsFile(path), await appended(path)]) {
      assert.deepEqual(Array.from(history.series.columns().steps), [0, 1, 2, 3, 4, 5, 6]);
      assert.deepEqual(history.problems, []);
      assert.equal(history.bytesRead, Buffer.byteLength(text));
      assert.equal(history.lines, 7);
    }
  });

  it('a line longer than the limit is skipped and reported once, counted in bytes and lines, and reading goes on', async () => {
    const path = join(dir, 'metrics.jsonl');
    const long = `{"step":2,"loss":1,"lr":1,"pad":"${'y'.repeat(LIMIT + 100)}"}`;
    const text = `${row(1)}\n${long}\n${row(3)}\n`;
    writeFileSync(path, text);
    for (const history of [await readMetricsFile(path), await appended(path)]) {
      assert.deepEqual(Array.from(history.series.columns().steps), [1, 3]);
      assert.deepEqual(history.problems, [
        `${path} line 2: longer than ${LIMIT} bytes (the limit for one record); line skipped`,
      ]);
      assert.equal(history.bytesRead, Buffer.byteLength(text));
      assert.equal(history.lines, 3);
      assert.equal(history.skippingLongLine, false);
    }
  });

  it('an unfinished over-long last line is passed over (not held) and its end is reported when it comes', async () => {
    const path = join(dir, 'metrics.jsonl');
    const start = `${row(1)}\n${'z'.repeat(LIMIT + 10)}`;
    writeFileSync(path, start);
    const history = emptyHistory();
    await readAppendedMetrics(path, history);
    assert.equal(history.skippingLongLine, true);
    assert.equal(history.bytesRead, Buffer.byteLength(start));
    assert.equal(history.problemCount, 0);
    writeFileSync(path, `${start}zz\n${row(2)}\n`);
    await readAppendedMetrics(path, history);
    assert.equal(history.skippingLongLine, false);
    assert.deepEqual(Array.from(history.series.columns().steps), [1, 2]);
    assert.equal(history.problemCount, 1);
    assert.match(history.problems[0]!, /line 2: longer than/);
    assert.equal(history.bytesRead, Buffer.byteLength(`${start}zz\n${row(2)}\n`));
  });
});

async function appended(path: string) {
  const history = emptyHistory();
  assert.equal(await readAppendedMetrics(path, history), true);
  return history;
}
