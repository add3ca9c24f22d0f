import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CACHE_MIN_BYTES } from '../../../../src/core/metrics/metricsCache';
import {
  metricsOverviewPath,
  OVERVIEW_MAX_BYTES,
  OVERVIEW_POINTS,
  OVERVIEW_TAIL_BYTES,
  readMetricsOverview,
  refreshMetricsOverview,
} from '../../../../src/core/metrics/metricsOverview';
import { readMetricsFile } from '../../../../src/core/metrics/metricsReader';
import { readRunMetrics, readRunOverview } from '../../../../src/core/metrics/runHistory';
import { cacheWith, splitCache } from './cacheFileBytes';

const row = (step: number, loss: number): string =>
  JSON.stringify({ step, loss, lr: 1e-3, examples_per_sec: 900 + (step % 7), time: 1_700_000_000_000 + step });

/** `steps` rows with one spike (step 12,345: loss 50) and one dip (step 23,456: loss -1); an evaluation every 1,000 steps. */
function rows(from: number, to: number): string {
  const lines: string[] = [];
  for (let s = from; s <= to; s++) {
    lines.push(row(s, s === 12_345 ? 50 : s === 23_456 ? -1 : 1 + 1 / s));
    if (s % 1000 === 0) lines.push(JSON.stringify({ step: s, eval_loss: 2 / s, wall_time: 1_700_000_000 + s }));
  }
  return lines.join('\n') + '\n';
}

describe('metrics overview (.metrics.overview beside metrics.jsonl)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-overview-'));
    file = join(dir, 'metrics.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is written when a long history is read, and holds every curve downsampled with its spikes and ends', async () => {
    writeFileSync(file, rows(1, 40_000));
    assert.ok(statSync(file).size > CACHE_MIN_BYTES);
    assert.equal(await readRunOverview(dir), null, 'none before the first full read');
    const full = await readRunMetrics(dir);
    assert.ok(existsSync(metricsOverviewPath(file)), 'the full read wrote the overview');
    const overview = await readRunOverview(dir);
    assert.ok(overview);
    assert.equal(overview.totalPoints, 40_000);
    const c = overview.history.series.columns();
    assert.ok(c.steps.length <= OVERVIEW_POINTS && c.steps.length > OVERVIEW_POINTS / 2, String(c.steps.length));
    assert.equal(c.steps[0], 1);
    assert.equal(c.steps[c.steps.length - 1], 40_000);
    assert.equal(Math.max(...c.loss), 50, 'the spike is kept');
    assert.equal(Math.min(...c.loss), -1, 'the dip is kept');
    assert.deepEqual(overview.history.scalars.names.sort(), full.scalars.names.sort());
    // Fewer points than the overview holds: a metric is kept whole.
    assert.deepEqual(
      Array.from(overview.history.scalars.get('eval_loss')!.values),
      Array.from(full.scalars.get('eval_loss')!.values),
    );
    assert.ok(overview.history.scalars.get('examples_per_sec')!.steps.length <= OVERVIEW_POINTS);
    assert.equal(overview.history.bytesRead, full.bytesRead);
  });

  it('is not written for a short history (it parses fast anyway)', async () => {
    writeFileSync(file, rows(1, 100));
    await readRunMetrics(dir);
    assert.equal(existsSync(metricsOverviewPath(file)), false);
    assert.equal(await refreshMetricsOverview(file, await readMetricsFile(file)), false);
  });

  it('reads the lines appended since it was written, up to OVERVIEW_TAIL_BYTES; past that the run has none', async () => {
    writeFileSync(file, rows(1, 40_000));
    await readRunMetrics(dir);
    appendFileSync(file, rows(40_001, 40_010));
    const grown = await readRunOverview(dir);
    assert.equal(grown?.totalPoints, 40_010, 'the appended rows count');
    assert.equal(grown?.history.series.lastStep, 40_010);
    assert.equal(grown?.history.bytesRead, statSync(file).size);
    // More than the tail limit appended: the overview is outgrown (the full read writes a new one).
    let step = 40_011;
    while (statSync(file).size - (grown?.history.bytesRead ?? 0) <= OVERVIEW_TAIL_BYTES) {
      appendFileSync(file, rows(step, step + 999));
      step += 1000;
    }
    assert.equal(await readRunOverview(dir), null);
    await readRunMetrics(dir);
    assert.equal((await readRunOverview(dir))?.totalPoints, step - 1);
  });

  /** Appends rows from `step` on, the last padded so the file ends exactly `bytes` past `from`. */
  function growTo(from: number, bytes: number, step: number): void {
    let size = statSync(file).size;
    while (from + bytes - size > 200_000) {
      appendFileSync(file, rows(step, step + 999));
      step += 1000;
      size = statSync(file).size;
    }
    const line = (pad: string) => JSON.stringify({ step, loss: 1, pad }) + '\n';
    const missing = from + bytes - size;
    appendFileSync(file, line('x'.repeat(missing - line('').length)));
    assert.equal(statSync(file).size - from, bytes);
  }

  it('reads a tail of exactly OVERVIEW_TAIL_BYTES, and not one byte more', async () => {
    writeFileSync(file, rows(1, 40_000));
    await readRunMetrics(dir);
    const covered = splitCacheBytesRead(readFileSync(metricsOverviewPath(file)));
    growTo(covered, OVERVIEW_TAIL_BYTES, 40_001);
    const overview = await readRunOverview(dir);
    assert.ok(overview, 'a tail of exactly the limit is read');
    assert.equal(overview.history.bytesRead, statSync(file).size);
    appendFileSync(file, '\n');
    assert.equal(await readRunOverview(dir), null, 'one byte more is not');
  });

  it('is rewritten once the file grew exactly half the tail limit past it, not a byte before', async () => {
    writeFileSync(file, rows(1, 40_000));
    await readRunMetrics(dir);
    const written = readFileSync(metricsOverviewPath(file));
    const covered = splitCacheBytesRead(written);
    growTo(covered, OVERVIEW_TAIL_BYTES / 2 - 1, 40_001);
    await readRunMetrics(dir);
    assert.deepEqual(readFileSync(metricsOverviewPath(file)), written, 'one byte short: kept');
    appendFileSync(file, '\n');
    await readRunMetrics(dir);
    assert.equal(splitCacheBytesRead(readFileSync(metricsOverviewPath(file))), covered + OVERVIEW_TAIL_BYTES / 2);
  });

  it('is not used for a rewritten metrics.jsonl (another prefix), nor when it is damaged or lies', async () => {
    writeFileSync(file, rows(1, 40_000));
    await readRunMetrics(dir);
    const good = readFileSync(metricsOverviewPath(file));
    const { header, columns } = splitCache(good);
    const bad: Array<[string, Buffer]> = [
      ['fewer source points than it holds', cacheWith(JSON.stringify({ ...header, sourcePoints: 3 }), columns)],
      ['a fractional source count', cacheWith(JSON.stringify({ ...header, sourcePoints: 40_000.5 }), columns)],
      ['a cache file (no source count)', cacheWith(JSON.stringify({ ...header, sourcePoints: undefined }), columns)],
      ['a column short', good.subarray(0, good.length - 8)],
      ['not a cache', Buffer.from('hello')],
    ];
    for (const [what, bytes] of bad) {
      writeFileSync(metricsOverviewPath(file), bytes);
      assert.equal(await readMetricsOverview(file), null, what);
    }
    writeFileSync(metricsOverviewPath(file), good);
    assert.notEqual(await readMetricsOverview(file), null, 'the good one is read');
    writeFileSync(file, rows(1, 40_000).replace('"step":1,', '"step":1 ,'));
    assert.equal(await readMetricsOverview(file), null, 'a rewritten metrics.jsonl (its first line differs)');
    rmSync(file);
    assert.equal(await readMetricsOverview(file), null, 'no metrics.jsonl');
  });

  it('is not read when larger than any real overview, even when every size it declares checks out', async () => {
    writeFileSync(file, rows(1, 40_000));
    await readRunMetrics(dir);
    const path = metricsOverviewPath(file);
    const { header, columns } = splitCache(readFileSync(path));
    /** The overview with one more metric of `points` points, its columns zeros (a sparse file). */
    const withExtraMetric = (points: number): void => {
      const scalars = [...(header['scalars'] as unknown[]), { name: 'extra', points }];
      const bytes = cacheWith(JSON.stringify({ ...header, scalars }), columns);
      writeFileSync(path, bytes);
      truncateSync(path, bytes.length + points * 24);
    };
    withExtraMetric(3_000_000);
    assert.ok(statSync(path).size > OVERVIEW_MAX_BYTES);
    assert.equal(await readMetricsOverview(file), null);
    // The same within the limit is read: the limit refused it, not another check.
    withExtraMetric(1000);
    assert.notEqual(await readMetricsOverview(file), null);
  });
});

function splitCacheBytesRead(bytes: Buffer): number {
  return splitCache(bytes).header['bytesRead'] as number;
}
