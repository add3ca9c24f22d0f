import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CACHE_MIN_BYTES,
  metricsCachePath,
  readMetricsCache,
  readMetricsFileCached,
} from '../../../../src/core/metrics/metricsCache';
import { readMetricsFile, type MetricsHistory } from '../../../../src/core/metrics/metricsReader';
import { cacheWith, splitCache } from './cacheFileBytes';

const point = (step: number, loss: number | null, lr = 0.001): string =>
  JSON.stringify({ step, loss, lr, examples_per_sec: 1000, time: 1_700_000_000_000 + step });

/** A history over CACHE_MIN_BYTES with a resume, a malformed line and a non-finite loss. */
function longHistory(steps: number): string[] {
  const lines: string[] = [];
  for (let s = 1; s <= steps; s++) {
    lines.push(point(s, s === 7 ? null : 1 / s));
    // An evaluation every 1,000 steps: a row with no loss, as the trainer writes it (evalRow.ts).
    if (s % 1000 === 0)
      lines.push(
        JSON.stringify({ step: s, epoch: 0, eval_loss: 2 / s, eval_accuracy: 0.5, wall_time: 1_700_000_000 + s }),
      );
  }
  lines.splice(100, 0, 'not json');
  lines.push(JSON.stringify({ event: 'resumed', step: steps - 50, from: `checkpoint-${steps - 50}`, time: 5 }));
  for (let s = steps - 49; s <= steps + 10; s++) lines.push(point(s, 2 / s));
  return lines;
}

function same(actual: MetricsHistory, expected: MetricsHistory): void {
  const a = actual.series.columns();
  const e = expected.series.columns();
  assert.equal(actual.series.length, expected.series.length);
  for (const name of ['steps', 'loss', 'lr', 'time'] as const)
    assert.deepEqual(Array.from(a[name]), Array.from(e[name]), name);
  assert.deepEqual(actual.scalars.columns(), expected.scalars.columns(), 'metrics other than loss and lr');
  assert.deepEqual(actual.resumes, expected.resumes);
  assert.deepEqual(actual.problems, expected.problems);
  assert.equal(actual.problemCount, expected.problemCount);
  assert.equal(actual.bytesRead, expected.bytesRead);
  assert.equal(actual.lines, expected.lines);
}

describe('metrics cache (.metrics.cache beside metrics.jsonl)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-cache-'));
    file = join(dir, 'metrics.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeLines = (lines: string[]) => writeFileSync(file, lines.join('\n') + '\n');

  it('writes a cache for a long history and reads back exactly what parsing the file gives', async () => {
    writeLines(longHistory(20_000));
    assert.ok(statSync(file).size > CACHE_MIN_BYTES);
    const first = await readMetricsFileCached(file);
    same(first, await readMetricsFile(file));
    assert.ok(existsSync(metricsCachePath(file)), 'the cache was written');
    const cached = await readMetricsCache(file);
    assert.ok(cached);
    same(cached, first);
    same(await readMetricsFileCached(file), first);
  });

  it('keeps wall times and every other metric (throughput, eval_loss, eval_accuracy) across the cache', async () => {
    writeLines(longHistory(20_000));
    await readMetricsFileCached(file);
    const cached = await readMetricsCache(file);
    assert.ok(cached);
    assert.equal(
      cached.series.columns().time[0],
      (1_700_000_000_000 + 1) / 1000,
      'the first row’s wall time (from "time" in ms)',
    );
    assert.deepEqual(cached.scalars.names.sort(), ['epoch', 'eval_accuracy', 'eval_loss', 'examples_per_sec']);
    assert.deepEqual(Array.from(cached.scalars.get('eval_loss')!.steps.slice(0, 3)), [1000, 2000, 3000]);
    assert.deepEqual(Array.from(cached.scalars.get('eval_loss')!.times.slice(0, 1)), [1_700_001_000]);
  });

  it('rebuilds a cache of the first version (no wall times, no other metrics) instead of reading it', async () => {
    writeLines(longHistory(20_000));
    const expected = await readMetricsFile(file);
    await readMetricsFileCached(file);
    // The version-1 layout: steps, loss and lr columns only, at the same prefix.
    const good = readFileSync(metricsCachePath(file));
    const { header } = splitCache(good);
    const points = header['points'] as number;
    const v1: Record<string, unknown> = { ...header, version: 1, columns: ['steps', 'loss', 'lr'] };
    delete v1['scalars'];
    const bytes = Buffer.from(JSON.stringify(v1));
    const prefix = Buffer.alloc(8);
    prefix.write('TRMC', 0, 'latin1');
    prefix.writeUInt32LE(bytes.length, 4);
    const columns = expected.series.columns();
    const data = (['steps', 'loss', 'lr'] as const).map((n) => Buffer.from(Float64Array.from(columns[n]).buffer));
    const padding = Buffer.alloc((8 - ((8 + bytes.length) % 8)) % 8);
    writeFileSync(metricsCachePath(file), Buffer.concat([prefix, bytes, padding, ...data]));
    assert.equal(data[0]!.length, points * 8);
    assert.equal(await readMetricsCache(file), null, 'a version-1 cache is not read');
    same(await readMetricsFileCached(file), expected);
    const rebuilt = await readMetricsCache(file);
    assert.ok(rebuilt, 'the cache was rewritten in the current version');
    same(rebuilt, expected);
  });

  it('writes no cache for a short history', async () => {
    writeLines([point(1, 1), point(2, 0.5)]);
    await readMetricsFileCached(file);
    assert.equal(existsSync(metricsCachePath(file)), false);
  });

  it('reads the prefix from the cache, not the file (an edit inside the prefix is not seen)', async () => {
    writeLines(longHistory(20_000));
    await readMetricsFileCached(file);
    // Same length, same first and last 4 KiB: only a cache-backed read still returns the old loss.
    const text = readFileSync(file, 'utf8');
    const line = point(10_000, 1 / 10_000);
    const edited = point(10_000, 9 / 10_000);
    assert.equal(line.length, edited.length);
    writeFileSync(file, text.replace(line, edited));
    const index = (await readMetricsFile(file)).series.indexRange(10_000, 10_000)[0];
    assert.equal((await readMetricsFile(file)).series.columns().loss[index], 9 / 10_000);
    assert.equal((await readMetricsFileCached(file)).series.columns().loss[index], 1 / 10_000);
  });

  it('adds lines appended after the cached prefix, and rewrites the cache only once the history grew by a quarter', async () => {
    writeLines(longHistory(20_000));
    await readMetricsFileCached(file);
    const cacheMtime = statSync(metricsCachePath(file)).mtimeMs;
    appendFileSync(file, [point(20_011, 0.01), point(20_012, 0.02)].join('\n') + '\n');
    const grown = await readMetricsFileCached(file);
    same(grown, await readMetricsFile(file));
    assert.equal(grown.series.lastStep, 20_012);
    assert.equal(statSync(metricsCachePath(file)).mtimeMs, cacheMtime, 'two lines do not rewrite the cache');
    const more: string[] = [];
    for (let s = 20_013; s < 28_000; s++) more.push(point(s, 1 / s));
    appendFileSync(file, more.join('\n') + '\n');
    same(await readMetricsFileCached(file), await readMetricsFile(file));
    assert.equal((await readMetricsCache(file))?.series.lastStep, 27_999, 'the cache now covers the grown history');
  });

  it('ignores a cache that no longer describes the file: rewritten, truncated, or removed', async () => {
    writeLines(longHistory(20_000));
    await readMetricsFileCached(file);
    writeLines(longHistory(18_000).map((l) => l.replace('"examples_per_sec":1000', '"examples_per_sec":2000')));
    same(await readMetricsFileCached(file), await readMetricsFile(file));
    writeLines([point(1, 3), point(2, 2)]);
    same(await readMetricsFileCached(file), await readMetricsFile(file));
    rmSync(file);
    assert.equal((await readMetricsFileCached(file)).series.length, 0);
  });

  it('ignores hostile caches: wrong magic, garbage header, sizes that lie, a sparse file declaring 1e12 points', async () => {
    writeLines(longHistory(20_000));
    const expected = await readMetricsFile(file);
    await readMetricsFileCached(file);
    const good = readFileSync(metricsCachePath(file));
    const { header } = splitCache(good);
    const withHeader = (h: Record<string, unknown>, tail: Buffer) => cacheWith(JSON.stringify(h), tail);
    const hostile: Array<[string, Buffer]> = [
      ['wrong magic', Buffer.concat([Buffer.from('XXXX'), good.subarray(4)])],
      [
        'header length past the end',
        Buffer.concat([good.subarray(0, 4), Buffer.from([0xff, 0xff, 0xff, 0x7f]), good.subarray(8, 64)]),
      ],
      ['header not JSON', withHeader({}, Buffer.alloc(0)).fill(0x7b, 8, 12)],
      [
        'points lie',
        withHeader(
          { ...header, points: (header['points'] as number) + 1 },
          good.subarray(good.length - (header['points'] as number) * 24),
        ),
      ],
      ['1e12 points', withHeader({ ...header, points: 1e12 }, Buffer.alloc(16))],
      [
        'a metric declaring 1e12 points',
        withHeader({ ...header, scalars: [{ name: 'eval_loss', points: 1e12 }] }, Buffer.alloc(16)),
      ],
      [
        'columns renamed',
        withHeader(
          { ...header, columns: ['steps', 'lr', 'loss'] },
          good.subarray(good.length - (header['points'] as number) * 24),
        ),
      ],
      ['truncated', good.subarray(0, good.length - 8)],
      ['empty', Buffer.alloc(0)],
    ];
    for (const [what, bytes] of hostile) {
      writeFileSync(metricsCachePath(file), bytes);
      assert.equal(await readMetricsCache(file), null, what);
      same(await readMetricsFileCached(file), expected);
    }
  });

  it('ignores a cache whose header has any field of the wrong type or range', async () => {
    writeLines(longHistory(20_000));
    await readMetricsFileCached(file);
    // columns: everything after the header and its padding (the series and the other metrics' arrays).
    const { header, columns } = splitCache(readFileSync(metricsCachePath(file)));
    const withHeader = (h: unknown) => cacheWith(JSON.stringify(h), columns);
    writeFileSync(metricsCachePath(file), withHeader(header));
    assert.notEqual(await readMetricsCache(file), null, 'the rebuilt header itself is accepted');
    const resume = (header['resumes'] as unknown[])[0];
    const bad: Array<[string, unknown]> = [
      ['null', null],
      ['a number', 7],
      ['another version', { ...header, version: (header['version'] as number) + 1 }],
      ...['bytesRead', 'lines', 'points', 'problemCount'].flatMap((field): Array<[string, unknown]> => [
        [`${field} negative`, { ...header, [field]: -1 }],
        [`${field} fractional`, { ...header, [field]: 1.5 }],
        [`${field} a string`, { ...header, [field]: '1' }],
        [`${field} past 2^53`, { ...header, [field]: 2 ** 53 }],
      ]),
      ['fingerprint not a string', { ...header, fingerprint: 5 }],
      ['skippingLongLine not a boolean', { ...header, skippingLongLine: 'no' }],
      ['columns not a list', { ...header, columns: 'steps,loss,lr' }],
      ['scalars not a list', { ...header, scalars: {} }],
      ['a scalar without a name', { ...header, scalars: [{ points: 1 }] }],
      ['a scalar with fractional points', { ...header, scalars: [{ name: 'eval_loss', points: 1.5 }] }],
      ['resumes not a list', { ...header, resumes: {} }],
      ['a resume that is null', { ...header, resumes: [resume, null] }],
      ['a resume step not a number', { ...header, resumes: [resume, { step: '1', from: 'a', time: 1 }] }],
      ['a resume from not a string', { ...header, resumes: [resume, { step: 1, from: 1, time: 1 }] }],
      ['a resume time not a number', { ...header, resumes: [resume, { step: 1, from: 'a', time: 'noon' }] }],
      ['problems not a list', { ...header, problems: 'x' }],
      ['a problem not a string', { ...header, problems: ['x', 1] }],
    ];
    for (const [what, h] of bad) {
      writeFileSync(metricsCachePath(file), withHeader(h));
      assert.equal(await readMetricsCache(file).catch((e: Error) => e.message), null, what);
    }
  });

  it('keeps a cache with no problems and a restart marker without a time', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => point(i + 1, 1 / (i + 1)));
    lines.push(point(19_990, 0.5)); // steps go back without a resume line: a marker with time null
    writeLines(lines);
    const expected = await readMetricsFile(file);
    assert.equal(expected.problemCount, 0);
    assert.deepEqual(expected.resumes, [{ step: 19_989, from: 'step 19989', time: null }]);
    await readMetricsFileCached(file);
    const cached = await readMetricsCache(file);
    assert.notEqual(cached, null);
    same(cached!, expected);
  });

  it('still reads the history when the cache cannot be written', async () => {
    writeLines(longHistory(20_000));
    mkdirSync(metricsCachePath(file));
    same(await readMetricsFileCached(file), await readMetricsFile(file));
  });
});
