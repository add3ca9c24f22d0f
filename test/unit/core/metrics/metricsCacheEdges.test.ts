import assert from 'node:assert/strict';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CACHE_MIN_BYTES,
  METRICS_CACHE_FILE,
  metricsCachePath,
  readMetricsCache,
  readMetricsFileCached,
  writeMetricsCache,
} from '../../../../src/core/metrics/metricsCache';
import { readMetricsFile } from '../../../../src/core/metrics/metricsReader';
import { cacheWith, splitCache } from './cacheFileBytes';

const point = (step: number, loss: number): string => JSON.stringify({ step, loss, lr: 0.001 });

/** Complete metrics lines from `firstStep` on that take exactly `bytes` bytes (newlines included). */
function linesOfBytes(bytes: number, firstStep: number): string {
  const lines: string[] = [];
  let used = 0;
  for (let step = firstStep; bytes - used > 200; step++) {
    const line = point(step, 0.5) + '\n';
    lines.push(line);
    used += line.length;
  }
  const last = JSON.stringify({ step: firstStep + lines.length, loss: 0.5, pad: '' });
  lines.push(last.replace('"pad":""', `"pad":"${'x'.repeat(bytes - used - last.length - 1)}"`) + '\n');
  return lines.join('');
}

describe('metrics cache: edges of reading and writing', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-cache-edges-'));
    file = join(dir, 'metrics.jsonl');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips a history shorter than the 4 KiB fingerprint window', async () => {
    writeFileSync(file, [point(1, 2), point(2, 1), 'not json', point(3, 0.5)].join('\n') + '\n');
    assert.ok(statSync(file).size < 4096);
    const history = await readMetricsFile(file);
    assert.equal(await writeMetricsCache(file, history), true);
    const cached = await readMetricsCache(file);
    assert.ok(cached, 'a short file fingerprints its whole length');
    assert.deepEqual(Array.from(cached.series.columns().loss), [2, 1, 0.5]);
    assert.deepEqual([cached.bytesRead, cached.lines, cached.problemCount], [history.bytesRead, 4, 1]);
    appendFileSync(file, point(4, 0.25) + '\n');
    assert.equal(
      (await readMetricsCache(file))?.bytesRead,
      history.bytesRead,
      'a line appended leaves the prefix cached',
    );
  });

  it('writes nothing for a metrics file that is gone or shorter than the history read from it', async () => {
    writeFileSync(file, [point(1, 2), point(2, 1)].join('\n') + '\n');
    const history = await readMetricsFile(file);
    writeFileSync(file, point(1, 2) + '\n');
    assert.equal(await writeMetricsCache(file, history), false, 'truncated');
    rmSync(file);
    assert.equal(await writeMetricsCache(file, history), false, 'removed');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('leaves no temporary file behind when the cache cannot be put in place', async () => {
    writeFileSync(file, point(1, 2) + '\n');
    mkdirSync(join(metricsCachePath(file), 'occupied'), { recursive: true });
    assert.equal(await writeMetricsCache(file, await readMetricsFile(file)), false);
    assert.deepEqual(readdirSync(dir).sort(), [METRICS_CACHE_FILE, 'metrics.jsonl']);
  });

  it('reads a folder in place of the cache as no cache', async () => {
    writeFileSync(file, point(1, 2) + '\n');
    mkdirSync(metricsCachePath(file));
    assert.equal(await readMetricsCache(file), null);
  });

  it('refuses a header whose byte count was changed, even where the file repeats itself', async () => {
    // Identical lines: the first and last 4 KiB of a prefix one line shorter are the same bytes, so
    // only the length inside the fingerprint tells the two prefixes apart.
    const line = point(1, 0.5);
    writeFileSync(file, `${line}\n`.repeat(400));
    assert.equal(await writeMetricsCache(file, await readMetricsFile(file)), true);
    const { header, columns } = splitCache(readFileSync(metricsCachePath(file)));
    const shorter = { ...header, bytesRead: (header['bytesRead'] as number) - line.length - 1 };
    writeFileSync(metricsCachePath(file), cacheWith(JSON.stringify(shorter), columns));
    assert.equal(await readMetricsCache(file), null);
  });

  it('refuses a header longer than the manifest limit even when it is valid JSON', async () => {
    writeFileSync(file, [point(1, 2), point(2, 1)].join('\n') + '\n');
    assert.equal(await writeMetricsCache(file, await readMetricsFile(file)), true);
    const { header, columns } = splitCache(readFileSync(metricsCachePath(file)));
    const padded = JSON.stringify(header) + ' '.repeat(4 * 1024 * 1024);
    writeFileSync(metricsCachePath(file), cacheWith(JSON.stringify(header), columns));
    assert.notEqual(await readMetricsCache(file), null, 'the same header unpadded is read');
    writeFileSync(metricsCachePath(file), cacheWith(padded, columns));
    assert.equal(await readMetricsCache(file), null);
  });

  it('refuses a header declaring more than 10,000 other metrics, even empty ones', async () => {
    writeFileSync(file, [point(1, 2), point(2, 1)].join('\n') + '\n');
    assert.equal(await writeMetricsCache(file, await readMetricsFile(file)), true);
    const { header, columns } = splitCache(readFileSync(metricsCachePath(file)));
    const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `m${i}`, points: 0 }));
    writeFileSync(metricsCachePath(file), cacheWith(JSON.stringify({ ...header, scalars: metrics(10_000) }), columns));
    assert.equal((await readMetricsCache(file))?.scalars.names.length, 10_000, 'the limit itself is read');
    writeFileSync(metricsCachePath(file), cacheWith(JSON.stringify({ ...header, scalars: metrics(10_001) }), columns));
    assert.equal(await readMetricsCache(file), null);
  });

  it('writes the cache from exactly 1 MiB of history, and rewrites it once it grew by exactly a quarter', async () => {
    writeFileSync(file, linesOfBytes(CACHE_MIN_BYTES - 1, 1));
    await readMetricsFileCached(file);
    assert.equal(await readMetricsCache(file), null, 'one byte short of 1 MiB: no cache');
    writeFileSync(file, linesOfBytes(CACHE_MIN_BYTES, 1));
    await readMetricsFileCached(file);
    assert.equal((await readMetricsCache(file))?.bytesRead, CACHE_MIN_BYTES, 'exactly 1 MiB: cached');
    const steps = (await readMetricsFile(file)).series.length;
    appendFileSync(file, linesOfBytes(CACHE_MIN_BYTES / 4 - 1, steps + 1));
    await readMetricsFileCached(file);
    assert.equal((await readMetricsCache(file))?.bytesRead, CACHE_MIN_BYTES, 'a quarter less one byte: kept');
    appendFileSync(file, '\n'); // an empty line: one byte more
    await readMetricsFileCached(file);
    assert.equal((await readMetricsCache(file))?.bytesRead, CACHE_MIN_BYTES * 1.25, 'a quarter: rewritten');
  });

  /** A cache written for two points, each with a grad_norm: its header, columns and a writer of variants. */
  async function twoPointCache() {
    const rows = [1, 2].map((step) => JSON.stringify({ step, loss: 1 / step, lr: 0.001, grad_norm: step }));
    writeFileSync(file, rows.join('\n') + '\n');
    assert.equal(await writeMetricsCache(file, await readMetricsFile(file)), true);
    const { header, columns } = splitCache(readFileSync(metricsCachePath(file)));
    const put = (h: unknown, tail = columns) =>
      writeFileSync(metricsCachePath(file), cacheWith(JSON.stringify(h), tail));
    return { header, columns, put };
  }

  it('lays the columns out right after the header and less than 8 bytes of padding', async () => {
    const { header } = await twoPointCache();
    const bytes = readFileSync(metricsCachePath(file));
    const headerEnd = 8 + bytes.readUInt32LE(4);
    // Four series columns and grad_norm's steps, values and times: 7 arrays of 2 float64s.
    assert.equal(bytes.length - headerEnd - 7 * 2 * 8 < 8, true);
    assert.equal((bytes.length - 7 * 2 * 8) % 8, 0);
    assert.deepEqual(header['scalars'], [{ name: 'grad_norm', points: 2 }]);
  });

  it('keeps no file handle open after reading or writing a cache', async () => {
    if (process.platform !== 'linux') return; // open descriptors are counted in /proc/self/fd
    const { put, header } = await twoPointCache();
    const open = () => readdirSync('/proc/self/fd').length;
    // Once first: the runtime opens a descriptor or two of its own on first use (thread pool, crypto).
    await readMetricsCache(file);
    await writeMetricsCache(file, await readMetricsFile(file));
    const before = open();
    for (let i = 0; i < 20; i++) {
      assert.notEqual(await readMetricsCache(file), null);
      assert.equal(await writeMetricsCache(file, await readMetricsFile(file)), true);
    }
    put({ ...header, bytesRead: 1 }); // a fingerprint that does not match: refused after reading it
    for (let i = 0; i < 20; i++) assert.equal(await readMetricsCache(file), null);
    // Forty calls that each leaked a handle would show as forty; allow the runtime two of its own.
    assert.ok(open() - before <= 2, `${open() - before} descriptors more after 60 calls`);
  });

  it('refuses a header whose columns are in another order, though every size fits', async () => {
    const { header, put } = await twoPointCache();
    put(header);
    assert.notEqual(await readMetricsCache(file), null, 'the header as written is read');
    put({ ...header, columns: ['steps', 'lr', 'loss', 'time'] });
    assert.equal(await readMetricsCache(file), null);
  });

  it('refuses a cache with bytes after its last column', async () => {
    const { header, columns, put } = await twoPointCache();
    put(header, Buffer.concat([columns, Buffer.alloc(8)]));
    assert.equal(await readMetricsCache(file), null);
  });

  it('refuses other metrics that are not {name, whole points}, even when the sizes add up', async () => {
    const { header, columns, put } = await twoPointCache();
    const gradNorm = { name: 'grad_norm', points: 2 };
    const bad: Array<[string, unknown[], Buffer]> = [
      ['a name that is a number', [{ name: 7, points: 2 }], columns],
      ['a null entry beside a good one', [gradNorm, null], columns],
      ['a good entry, then one without a name', [gradNorm, { points: 0 }], columns],
      [
        'fractional points with their bytes',
        [gradNorm, { name: 'x', points: 0.5 }],
        Buffer.concat([columns, Buffer.alloc(12)]),
      ],
    ];
    for (const [what, scalars, tail] of bad) {
      put({ ...header, scalars }, tail);
      assert.equal(await readMetricsCache(file).catch((e: Error) => e.message), null, what);
    }
  });

  it('reads a cache of a history with no points whose header ends exactly at the end of the file', async () => {
    writeFileSync(file, 'not json\n');
    assert.equal(await writeMetricsCache(file, await readMetricsFile(file)), true);
    const { header } = splitCache(readFileSync(metricsCachePath(file)));
    const text = JSON.stringify(header);
    writeFileSync(metricsCachePath(file), cacheWith(text + ' '.repeat((8 - (text.length % 8)) % 8), Buffer.alloc(0)));
    assert.equal(readFileSync(metricsCachePath(file)).length % 8, 0, 'no padding after the header');
    const cached = await readMetricsCache(file);
    assert.deepEqual([cached?.series.length, cached?.problemCount, cached?.bytesRead], [0, 1, 9]);
  });
});
