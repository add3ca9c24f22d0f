import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_MIN_BYTES, metricsCachePath } from '../../../../src/core/metrics/metricsCache';
import { metricsOverviewPath, OVERVIEW_TAIL_BYTES } from '../../../../src/core/metrics/metricsOverview';
import { readRunOverview, warmRunMetrics } from '../../../../src/core/metrics/runHistory';

const lines = (from: number, to: number): string => {
  let text = '';
  for (let s = from; s <= to; s++)
    text += `{"step":${s},"loss":${1 + 1 / s},"lr":0.001,"time":${1_700_000_000_000 + s}}\n`;
  return text;
};

describe('warmRunMetrics (a run read once as it ends, for its next chart)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'warm-metrics-'));
    file = join(dir, 'metrics.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the cache and the overview of a long history, so the first chart paints from them', async () => {
    writeFileSync(file, lines(1, 30_000));
    assert.ok(statSync(file).size > CACHE_MIN_BYTES);
    assert.equal(await readRunOverview(dir), null);
    assert.equal(await warmRunMetrics(dir), true);
    assert.ok(existsSync(metricsCachePath(file)) && existsSync(metricsOverviewPath(file)));
    assert.equal((await readRunOverview(dir))?.totalPoints, 30_000);
  });

  it('reads nothing while the overview is fresh, and again once the file outgrew it', async () => {
    writeFileSync(file, lines(1, 30_000));
    assert.equal(await warmRunMetrics(dir), true);
    assert.equal(await warmRunMetrics(dir), false, 'fresh: not read again');
    const written = statSync(file).size;
    appendFileSync(file, lines(30_001, 30_100));
    assert.equal(await warmRunMetrics(dir), false, 'a few lines more: the overview and its tail still do');
    let step = 30_101;
    while (statSync(file).size - written < OVERVIEW_TAIL_BYTES / 2) {
      appendFileSync(file, lines(step, step + 999));
      step += 1000;
    }
    assert.equal(await warmRunMetrics(dir), true, 'grown by more than half of OVERVIEW_TAIL_BYTES');
    assert.equal((await readRunOverview(dir))?.totalPoints, step - 1);
  });

  it('leaves short, missing and odd metrics files alone', async () => {
    assert.equal(await warmRunMetrics(dir), false, 'no metrics.jsonl');
    writeFileSync(file, lines(1, 100));
    assert.equal(await warmRunMetrics(dir), false, 'short: a chart reads it whole faster than an overview');
    assert.ok(!existsSync(metricsOverviewPath(file)));
    rmSync(file);
    const folder = join(dir, 'metrics.jsonl');
    mkdirSync(folder);
    assert.equal(await warmRunMetrics(dir), false, 'a folder named metrics.jsonl');
  });
});
