/**
 * A compact cache of a parsed `metrics.jsonl` beside it (`.metrics.cache`), so a long history opens
 * without parsing every line again. `metrics.jsonl` stays the source of truth: the cache records how
 * many bytes of it it covers and fingerprints of that prefix (its first and last 4 KiB); a cache that
 * does not match the file (rewritten, truncated, another file) or is malformed is ignored and
 * rebuilt. Lines appended after the cached prefix are read the ordinary way.
 *
 * Layout: "TRMC" magic, uint32 LE header length, the header (JSON), zero padding to 8 bytes, then
 * the columns as float64 arrays in the machine's byte order (little-endian on every platform VS Code
 * runs on) in the header's order: the series' (steps, loss, lr, wall time), then each other metric's
 * steps, values and times (header `scalars`: names and point counts). Every size the header declares
 * is checked against the file before anything is allocated. A cache of an older version (without
 * wall times or other metrics) is not read, so it is rebuilt.
 */
import { createHash } from 'node:crypto';
import { open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { READ_LIMITS } from '../limits/readLimits';
import { emptyHistory, readAppendedMetrics, type MetricsHistory, type ResumeMarker } from './metricsReader';
import { ScalarSet, type ScalarColumn } from './scalarSeries';
import { MetricsSeries, type SeriesColumns } from './series';

export const METRICS_CACHE_FILE = '.metrics.cache';
const MAGIC = 'TRMC';
const VERSION = 2;
const FINGERPRINT_BYTES = 4096;
/** A cache is (re)written only for histories at least this long: short files parse fast anyway. */
export const CACHE_MIN_BYTES = 1 << 20;
/** More points than any run logs; a sparse file declaring more is refused before allocating. */
const MAX_POINTS = 100_000_000;
const COLUMN_NAMES = ['steps', 'loss', 'lr', 'time'] as const satisfies ReadonlyArray<keyof SeriesColumns>;
/** More metrics than any run logs beside loss; a header declaring more is refused. */
const MAX_SCALARS = 10_000;

interface CacheHeader {
  version: number;
  bytesRead: number;
  lines: number;
  points: number;
  fingerprint: string;
  columns: string[];
  /** The other metrics, in the order their columns follow the series'. */
  scalars: Array<{ name: string; points: number }>;
  resumes: ResumeMarker[];
  problems: string[];
  problemCount: number;
  skippingLongLine: boolean;
  /** An overview (metricsOverview.ts) only: how many points the history it was downsampled from had. */
  sourcePoints?: number;
}

/** A cache file read back: the history it holds and what its header says beyond it. */
export interface CacheFileContents {
  history: MetricsHistory;
  sourcePoints: number | undefined;
}

export function metricsCachePath(metricsFile: string): string {
  return join(dirname(metricsFile), METRICS_CACHE_FILE);
}

/** sha256 of the first and the last FINGERPRINT_BYTES of the file's first `bytes` bytes. */
async function fingerprint(metricsFile: string, bytes: number): Promise<string | null> {
  const handle = await open(metricsFile, 'r').catch(() => null);
  if (!handle) return null;
  try {
    if ((await handle.stat()).size < bytes) return null;
    const head = Buffer.alloc(Math.min(FINGERPRINT_BYTES, bytes));
    const tail = Buffer.alloc(Math.min(FINGERPRINT_BYTES, bytes));
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, bytes - tail.length);
    return createHash('sha256').update(String(bytes)).update(head).update(tail).digest('hex');
  } finally {
    await handle.close();
  }
}

function isHeader(value: unknown): value is CacheHeader {
  const h = value as Partial<CacheHeader> | null;
  const count = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  return (
    typeof h === 'object' &&
    h !== null &&
    h.version === VERSION &&
    count(h.bytesRead) &&
    count(h.lines) &&
    count(h.points) &&
    count(h.problemCount) &&
    typeof h.fingerprint === 'string' &&
    typeof h.skippingLongLine === 'boolean' &&
    Array.isArray(h.columns) &&
    h.columns.join() === COLUMN_NAMES.join() &&
    Array.isArray(h.scalars) &&
    h.scalars.length <= MAX_SCALARS &&
    h.scalars.every((m) => typeof m?.name === 'string' && count(m.points) && m.points <= MAX_POINTS) &&
    Array.isArray(h.resumes) &&
    h.resumes.every(
      (r) =>
        typeof r?.step === 'number' && typeof r.from === 'string' && (r.time === null || typeof r.time === 'number'),
    ) &&
    Array.isArray(h.problems) &&
    h.problems.every((p) => typeof p === 'string') &&
    (h.sourcePoints === undefined || (count(h.sourcePoints) && h.sourcePoints >= (h.points as number)))
  );
}

/**
 * The history the cache holds for `metricsFile`, or null when there is no cache or it does not
 * describe the file's current prefix (the caller then reads the file and may write a new cache).
 */
export async function readMetricsCache(metricsFile: string): Promise<MetricsHistory | null> {
  return (await readCacheFile(metricsFile, metricsCachePath(metricsFile)))?.history ?? null;
}

/** readMetricsCache of the file at `cachePath` (the cache, or an overview in the same layout); none over maxBytes. */
export async function readCacheFile(
  metricsFile: string,
  cachePath: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<CacheFileContents | null> {
  const handle = await open(cachePath, 'r').catch(() => null);
  if (!handle) return null;
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size < 8 || info.size > maxBytes) return null;
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    if (prefix.toString('latin1', 0, 4) !== MAGIC) return null;
    const headerLength = prefix.readUInt32LE(4);
    if (headerLength > READ_LIMITS.manifestBytes || 8 + headerLength > info.size) return null;
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBytes.toString('utf8'));
    } catch {
      return null;
    }
    if (!isHeader(header) || header.points > MAX_POINTS) return null;
    const dataStart = align8(8 + headerLength);
    const columnBytes = header.points * 8;
    const scalarPoints = header.scalars.reduce((sum, m) => sum + m.points, 0);
    if (dataStart + columnBytes * COLUMN_NAMES.length + scalarPoints * 3 * 8 !== info.size) return null;
    if ((await fingerprint(metricsFile, header.bytesRead)) !== header.fingerprint) return null;
    // Every column in one read, each a view of the same buffer (dataStart is 8-aligned, so are they):
    // no copy per column, and a reader worker hands the one buffer to the host as it is.
    const data = new ArrayBuffer(info.size - dataStart);
    if (!(await readFully(handle, new Uint8Array(data), dataStart))) return null; // it shrank while being read
    let at = 0;
    const next = (points: number): Float64Array<ArrayBuffer> => {
      const column = new Float64Array(data, at, points);
      at += points * 8;
      return column;
    };
    const columns = {} as Record<(typeof COLUMN_NAMES)[number], Float64Array<ArrayBuffer>>;
    for (const name of COLUMN_NAMES) columns[name] = next(header.points);
    const scalars: Record<string, ScalarColumn> = {};
    for (const { name, points } of header.scalars)
      scalars[name] = { steps: next(points), values: next(points), times: next(points) };
    const history = emptyHistory();
    history.series = MetricsSeries.fromColumns(columns);
    history.scalars = ScalarSet.fromColumns(scalars);
    history.resumes = header.resumes;
    history.problems = header.problems;
    history.problemCount = header.problemCount;
    history.bytesRead = header.bytesRead;
    history.lines = header.lines;
    history.skippingLongLine = header.skippingLongLine;
    return { history, sourcePoints: header.sourcePoints };
  } finally {
    await handle.close();
  }
}

/** Fills `into` from `position` on (a read may return less than asked); false at an early end of file. */
async function readFully(handle: FileHandle, into: Uint8Array, position: number): Promise<boolean> {
  for (let done = 0; done < into.length;) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) return false;
    done += bytesRead;
  }
  return true;
}

/** The column's bytes, without a copy. */
function bytesOf(column: Float64Array): Buffer {
  return Buffer.from(column.buffer, column.byteOffset, column.byteLength);
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

/**
 * Writes the cache for `history` (read from `metricsFile`) atomically: a temporary file beside it,
 * then a rename. Best effort: a folder the user cannot write to just has no cache.
 */
export async function writeMetricsCache(metricsFile: string, history: MetricsHistory): Promise<boolean> {
  return writeCacheFile(metricsFile, history, metricsCachePath(metricsFile));
}

/** writeMetricsCache to `cachePath`; an overview passes the point count of the history it shrank. */
export async function writeCacheFile(
  metricsFile: string,
  history: MetricsHistory,
  cachePath: string,
  sourcePoints?: number,
): Promise<boolean> {
  const print = await fingerprint(metricsFile, history.bytesRead);
  if (print === null) return false;
  const columns = history.series.columns();
  const scalars = Object.entries(history.scalars.columns());
  const header: CacheHeader = {
    version: VERSION,
    bytesRead: history.bytesRead,
    lines: history.lines,
    points: history.series.length,
    fingerprint: print,
    columns: [...COLUMN_NAMES],
    scalars: scalars.map(([name, c]) => ({ name, points: c.steps.length })),
    resumes: history.resumes,
    problems: history.problems,
    problemCount: history.problemCount,
    skippingLongLine: history.skippingLongLine,
    ...(sourcePoints === undefined ? {} : { sourcePoints }),
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length, 4);
  const padding = Buffer.alloc(align8(8 + headerBytes.length) - 8 - headerBytes.length);
  const parts = [
    prefix,
    headerBytes,
    padding,
    ...COLUMN_NAMES.map((name) => bytesOf(columns[name])),
    ...scalars.flatMap(([, c]) => [c.steps, c.values, c.times].map(bytesOf)),
  ];
  const temp = join(dirname(cachePath), `.${basename(cachePath)}.${process.pid}.${Date.now()}.training-runs`);
  try {
    await writeFile(temp, parts);
    await rename(temp, cachePath);
    return true;
  } catch {
    await rm(temp, { force: true }).catch(() => undefined);
    return false;
  }
}

/**
 * A run's metrics history through the cache: the cached prefix, then the lines appended since,
 * read as usual; the cache is rewritten when the history is long and has grown by a quarter since
 * the cache was written (or there was none).
 */
export async function readMetricsFileCached(metricsFile: string): Promise<MetricsHistory> {
  const cached = await readMetricsCache(metricsFile).catch(() => null);
  const cachedBytes = cached?.bytesRead ?? 0;
  let history = cached ?? emptyHistory();
  if (!(await readAppendedMetrics(metricsFile, history))) {
    history = emptyHistory();
    await readAppendedMetrics(metricsFile, history);
  }
  const grown = history.bytesRead - (history === cached ? cachedBytes : 0);
  if (history.bytesRead >= CACHE_MIN_BYTES && grown >= Math.max(1, cachedBytes / 4))
    await writeMetricsCache(metricsFile, history);
  return history;
}
