/**
 * Reads a run's `metrics.jsonl` into a MetricsSeries. Lines, one JSON object each:
 *   { "step": 12, "loss": 0.41, "lr": 0.001, "examples_per_sec": 900, "wall_time": 1700000000.5 }
 *   { "step": 500, "eval_loss": 0.38, "eval_accuracy": 0.9 }
 *   { "event": "resumed", "step": 500, "from": "checkpoint-500", "time": 1700000000000 }
 * The last is an evaluation on held-out data (config eval_split; its shape: ./evalRow.ts): it has
 * `eval_loss` and no `loss`, as in Hugging Face's log_history. It carries no training-loss point.
 * Loss and learning rate go to the series; every other numeric field (throughput, eval_loss, ...)
 * to the run's ScalarSet, so rows of any shape chart without this reader knowing their names. Wall
 * time is `wall_time` (seconds) or `time` (milliseconds, older files).
 * A loss of null is how JSON writes NaN/Infinity: it is kept as a non-finite point. A resume drops
 * the points logged after its step (the abandoned branch) and becomes a marker; steps that go back
 * without one (a trainer that does not log resumes) get a marker "step N" too. Unknown events are
 * skipped; malformed lines are reported (file, line, reason) and skipped. A final line without a
 * newline is still being written and is left for the next read.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { READ_LIMITS } from '../limits/readLimits';
import { ScalarSet } from './scalarSeries';
import { MetricsSeries } from './series';

export interface ResumeMarker {
  step: number;
  /** Checkpoint folder name it resumed from, e.g. "checkpoint-500". */
  from: string;
  time: number | null;
}

export interface MetricsHistory {
  series: MetricsSeries;
  /** Every numeric field other than loss and lr, by name. */
  scalars: ScalarSet;
  resumes: ResumeMarker[];
  /** Human-readable problems, e.g. "/runs/a/metrics.jsonl line 7: not JSON (...)". At most 20 kept. */
  problems: string[];
  problemCount: number;
  /** Bytes consumed (up to the last complete line), where readAppendedMetrics continues. */
  bytesRead: number;
  /** Lines consumed, so problems found later still name the right line. */
  lines: number;
  /** bytesRead is inside a line longer than READ_LIMITS.metricsLineBytes, skipped up to its newline. */
  skippingLongLine: boolean;
}

/** Told about every record as it is applied (used to forward lines appended while a run trains). */
export interface MetricsObserver {
  point(step: number, loss: number, lr: number, time: number): void;
  scalar?(name: string, step: number, value: number, time: number): void;
  resumed(marker: ResumeMarker): void;
}

/** Fields that are not metrics of their own: the step, the loss series' columns, times and events. */
const NOT_METRICS = new Set(['step', 'loss', 'lr', 'wall_time', 'time', 'elapsed', 'event', 'from']);

type Extra = [name: string, value: number];

export function emptyHistory(): MetricsHistory {
  return {
    series: new MetricsSeries(),
    scalars: new ScalarSet(),
    resumes: [],
    problems: [],
    problemCount: 0,
    bytesRead: 0,
    lines: 0,
    skippingLongLine: false,
  };
}

const MAX_PROBLEMS = 20;

/** Reads the whole file; a missing file is an empty history (the run has not logged yet). */
export async function readMetricsFile(path: string): Promise<MetricsHistory> {
  const history = emptyHistory();
  const feeder = new LineFeeder(new MetricsLineParser(path, history), history);
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: READ_LIMITS.metricsChunkBytes }))
      feeder.feed(chunk as Buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return history;
    throw error;
  }
  return history;
}

/**
 * Reads what was appended to the file since `history.bytesRead` (complete lines only) into the
 * history, a bounded chunk at a time. Returns false when the file is now shorter than what was read
 * (rewritten: read it anew).
 */
export async function readAppendedMetrics(
  path: string,
  history: MetricsHistory,
  observer?: MetricsObserver,
): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return history.bytesRead === 0;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size < history.bytesRead) return false;
    const feeder = new LineFeeder(new MetricsLineParser(path, history, observer), history);
    const buffer = Buffer.alloc(Math.min(READ_LIMITS.metricsChunkBytes, size - history.bytesRead));
    // Read up to the size seen now: lines appended meanwhile wait for the next call.
    for (let position = history.bytesRead; position < size;) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
      if (bytesRead === 0) break;
      feeder.feed(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    return true;
  } finally {
    await handle.close();
  }
}

/**
 * Cuts file bytes into lines for the parser in linear time. A line is held (as byte chunks, not a
 * growing string) until its newline arrives; one longer than READ_LIMITS.metricsLineBytes is
 * dropped as it streams past and reported once its newline is reached. history.bytesRead advances
 * over every line consumed, skipped ones included; a final line without newline is left unread.
 */
class LineFeeder {
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(
    private readonly parser: MetricsLineParser,
    private readonly history: MetricsHistory,
  ) {}

  feed(chunk: Buffer): void {
    let start = 0;
    if (this.history.skippingLongLine || this.heldBytes > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return this.hold(chunk);
      this.endHeldLine(chunk.subarray(0, nl));
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= start) {
      const text = chunk.toString('utf8', start, last + 1);
      for (let from = 0, nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) {
        if (nl - from > READ_LIMITS.metricsLineBytes) this.parser.overlongLine();
        else this.parser.lineAt(text, from, nl);
      }
      this.history.bytesRead += last + 1 - start;
      start = last + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  private hold(bytes: Buffer): void {
    if (this.history.skippingLongLine) {
      this.history.bytesRead += bytes.length;
      return;
    }
    this.held.push(Buffer.from(bytes)); // a copy: the caller reuses its buffer
    this.heldBytes += bytes.length;
    if (this.heldBytes > READ_LIMITS.metricsLineBytes) {
      this.history.skippingLongLine = true;
      this.history.bytesRead += this.heldBytes;
      this.held = [];
      this.heldBytes = 0;
    }
  }

  private endHeldLine(tail: Buffer): void {
    if (this.history.skippingLongLine || this.heldBytes + tail.length > READ_LIMITS.metricsLineBytes) {
      this.history.skippingLongLine = false;
      this.parser.overlongLine();
    } else {
      this.parser.line(Buffer.concat([...this.held, tail]).toString('utf8'));
    }
    this.history.bytesRead += this.heldBytes + tail.length + 1;
    this.held = [];
    this.heldBytes = 0;
  }
}

/**
 * The trainer's own line shape, matched in place (no slice, no JSON.parse), several times faster than
 * parsing each line. Anything else (other key order, events, bad lines) takes the JSON.parse path.
 */
const TRAINER_LINE = /\{"step":(\d+),(?:"epoch":(\d+),)?"loss":(-?[0-9.eE+-]+|null),"lr":(-?[0-9.eE+-]+|null)([,}])/y;
/** One more `"name":number` field of such a line, and what follows it. */
const NUMBER_FIELD = /"([A-Za-z0-9_./-]+)":(-?[0-9.eE+-]+|null)([,}])/y;

const numberOrNaN = (text: string): number => (text === 'null' ? Number.NaN : Number(text));
const validNumber = (text: string): boolean => text === 'null' || !Number.isNaN(Number(text));

/** Parses one line at a time into a history; also used for lines appended while a run trains. */
export class MetricsLineParser {
  private afterResume = false;
  private namesRefused = false;

  constructor(
    private readonly path: string,
    private readonly history: MetricsHistory,
    private readonly observer?: MetricsObserver,
  ) {}

  /** Parses text[start..end) (one line, without its newline). */
  lineAt(text: string, start: number, end: number): void {
    TRAINER_LINE.lastIndex = start;
    const m = TRAINER_LINE.exec(text);
    const last = text.charCodeAt(end - 1) === 13 ? end - 2 : end - 1; // tolerate \r\n
    if (
      m &&
      TRAINER_LINE.lastIndex <= end &&
      text.charCodeAt(last) === 125 /* } */ &&
      validNumber(m[3]!) &&
      validNumber(m[4]!)
    ) {
      const extras: Extra[] = m[2] === undefined ? [] : [['epoch', Number(m[2])]];
      let ok = true;
      let time = Number.NaN;
      let closed = m[5] === '}';
      for (let at = TRAINER_LINE.lastIndex; !closed; at = NUMBER_FIELD.lastIndex) {
        NUMBER_FIELD.lastIndex = at;
        const f = NUMBER_FIELD.exec(text);
        if (!f || NUMBER_FIELD.lastIndex > end || !validNumber(f[2]!)) {
          ok = false;
          break;
        }
        closed = f[3] === '}';
        if (f[1] === 'wall_time') time = numberOrNaN(f[2]!);
        else if (f[1] === 'time') time = Number.isNaN(time) ? numberOrNaN(f[2]!) / 1000 : time;
        else if (!NOT_METRICS.has(f[1]!)) extras.push([f[1]!, numberOrNaN(f[2]!)]);
      }
      if (ok && (m[5] === '}' ? TRAINER_LINE.lastIndex : NUMBER_FIELD.lastIndex) === last + 1) {
        this.history.lines++;
        this.point(Number(m[1]), numberOrNaN(m[3]!), numberOrNaN(m[4]!), time, extras);
        return;
      }
    }
    this.line(text.slice(start, end));
  }

  line(raw: string): void {
    this.history.lines++;
    const text = raw.trim();
    if (text === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      this.problem(`not JSON (${(error as Error).message})`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem('expected a JSON object');
      return;
    }
    const record = value as Record<string, unknown>;
    const step = record['step'];
    if (typeof step !== 'number' || !Number.isInteger(step) || step < 0) {
      this.problem('"step" must be a non-negative integer');
      return;
    }
    const event = record['event'];
    if (event !== undefined) {
      if (event === 'resumed') this.resumed(step, record);
      return; // other events carry no curve point
    }
    const extras: Extra[] = [];
    for (const [name, value] of Object.entries(record)) {
      if (!NOT_METRICS.has(name) && (typeof value === 'number' || value === null))
        extras.push([name, value ?? Number.NaN]);
    }
    const wallTime = record['wall_time'];
    const msTime = record['time'];
    const time = typeof wallTime === 'number' ? wallTime : typeof msTime === 'number' ? msTime / 1000 : Number.NaN;
    const loss = record['loss'];
    if (loss === undefined && extras.length > 0) {
      // A row of other metrics only (an evaluation, ./evalRow.ts): no loss point.
      this.scalars(step, time, extras);
      return;
    }
    if (typeof loss !== 'number' && loss !== null) {
      this.problem('"loss" must be a number (or null for a non-finite loss)');
      return;
    }
    const lr = record['lr'];
    this.point(step, loss ?? Number.NaN, typeof lr === 'number' ? lr : Number.NaN, time, extras);
  }

  /** A line longer than READ_LIMITS.metricsLineBytes: counted, reported and skipped unread. */
  overlongLine(): void {
    this.history.lines++;
    this.problem(`longer than ${READ_LIMITS.metricsLineBytes} bytes (the limit for one record)`);
  }

  private point(step: number, loss: number, lr: number, time: number, extras: Extra[]): void {
    const last = this.history.series.lastStep;
    if (last !== null && step <= last && !this.afterResume) {
      // Steps went back with no resume line: the run was restarted from an earlier step.
      this.resumed(step - 1, { from: `step ${step - 1}`, time: null });
    }
    this.afterResume = false;
    this.history.series.append(step, loss, lr, time);
    this.observer?.point(step, loss, lr, time);
    this.scalars(step, time, extras);
  }

  private scalars(step: number, time: number, extras: Extra[]): void {
    const set = this.history.scalars;
    for (const [name, value] of extras) {
      if (set.count >= READ_LIMITS.metricNames && !set.has(name)) {
        this.tooManyNames(name);
        continue;
      }
      set.append(name, step, value, time);
      this.observer?.scalar?.(name, step, value, time);
    }
  }

  private resumed(step: number, record: Record<string, unknown>): void {
    const from = typeof record['from'] === 'string' ? record['from'] : `checkpoint-${step}`;
    const time = typeof record['time'] === 'number' ? record['time'] : null;
    this.history.series.truncateAfter(step);
    this.history.scalars.truncateAfter(step);
    // A marker beyond the new resume point belonged to the abandoned branch too.
    this.history.resumes = this.history.resumes.filter((r) => r.step <= step);
    this.afterResume = true;
    const marker = { step, from, time };
    this.history.resumes.push(marker);
    this.observer?.resumed(marker);
  }

  /** Reported once per file: the metrics beyond the limit are left out, the rest of each line is read. */
  private tooManyNames(name: string): void {
    if (this.namesRefused) return;
    this.namesRefused = true;
    this.history.problemCount++;
    if (this.history.problems.length < MAX_PROBLEMS)
      this.history.problems.push(
        `${this.path} line ${this.history.lines}: more than ${READ_LIMITS.metricNames} metric names ("${name.slice(0, 80)}" is one too many); the metrics named after that are not read (log fewer distinct names, e.g. a list as one metric per line)`,
      );
  }

  private problem(reason: string): void {
    this.history.problemCount++;
    if (this.history.problems.length < MAX_PROBLEMS) {
      this.history.problems.push(`${this.path} line ${this.history.lines}: ${reason}; line skipped`);
    }
  }
}
