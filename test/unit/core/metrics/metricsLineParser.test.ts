import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  emptyHistory,
  MetricsLineParser,
  readAppendedMetrics,
  readMetricsFile,
  type MetricsHistory,
} from '../../../../src/core/metrics/metricsReader';

/** Feeds whole lines to a parser, the fast path (lineAt over a text of several lines) when `fast`. */
function parse(lines: string[], fast = false): MetricsHistory {
  const history = emptyHistory();
  const parser = new MetricsLineParser('m.jsonl', history);
  if (!fast) for (const l of lines) parser.line(l);
  else {
    const text = lines.join('\n') + '\n';
    for (let from = 0, nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from))
      parser.lineAt(text, from, nl);
  }
  return history;
}
const values = (a: Float64Array) => Array.from(a, (v) => (Number.isNaN(v) ? null : v));

describe('metrics lines: each record kind, each problem named with its line', () => {
  it('an empty history has nothing read and nothing skipped', () => {
    const h = emptyHistory();
    assert.equal(h.series.length, 0);
    assert.deepEqual(
      {
        resumes: h.resumes,
        problems: h.problems,
        problemCount: h.problemCount,
        bytesRead: h.bytesRead,
        lines: h.lines,
        skipping: h.skippingLongLine,
      },
      { resumes: [], problems: [], problemCount: 0, bytesRead: 0, lines: 0, skipping: false },
    );
  });

  for (const fast of [false, true]) {
    it(`reads the trainer's rows the same on the ${fast ? 'fast' : 'JSON'} path: null as non-finite, \\r\\n tolerated, epoch optional`, () => {
      const h = parse(
        [
          '{"step":1,"epoch":0,"loss":2.5,"lr":0.1,"x":1}',
          '{"step":2,"loss":null,"lr":null}\r',
          '{"step":3,"loss":-1e-3,"lr":1E+2}',
        ],
        fast,
      );
      const c = h.series.columns();
      assert.deepEqual(Array.from(c.steps), [1, 2, 3]);
      assert.deepEqual(values(c.loss), [2.5, null, -0.001]);
      assert.deepEqual(values(c.lr), [0.1, null, 100]);
      assert.equal(h.lines, 3);
      assert.deepEqual(h.problems, []);
    });
  }

  it('the fast path hands odd rows to the JSON path: a number that is not one, a row not closed on its line', () => {
    const h = parse(
      [
        '{"step":1,"loss":1.2.3,"lr":0.1}',
        '{"step":2,"loss":0.5,"lr":0.1} trailing',
        '{"step":3,"loss":0.5,"lr":0.1,"note":"}"}',
        '{"step":4,"loss":0.5,"lr":1e}',
        '{"step":5,"loss":0.5,"lr":0.1}}!',
      ],
      true,
    );
    assert.deepEqual(Array.from(h.series.columns().steps), [3]);
    assert.equal(h.problemCount, 4);
    assert.deepEqual(
      h.problems.map((p) => p.replace(/ \(.+\);/, ' (...);')),
      [1, 2, 4, 5].map((n) => `m.jsonl line ${n}: not JSON (...); line skipped`),
    );
    assert.equal(h.lines, 5);
  });

  it('the fast path reads no row that the JSON path refuses: a bad step, Infinity, a missing value, a broken epoch', () => {
    const h = parse(
      [
        '{"step":"x","loss":0.5,"lr":0.1}',
        '{"step":1,"loss":Infinity,"lr":0.1}',
        '{"step":1,"loss":0.5,"lr":Infinity}',
        '{"step":1,"loss": ,"lr":0.1}',
        '{"step":1,"epoch":"a,"loss":0.5,"lr":0.1}',
      ],
      true,
    );
    assert.equal(h.series.length, 0);
    assert.deepEqual(
      h.problems.map((p) => p.replace(/ \(.+\);/, ' (...);')),
      [
        'm.jsonl line 1: "step" must be a non-negative integer; line skipped',
        ...[2, 3, 4, 5].map((n) => `m.jsonl line ${n}: not JSON (...); line skipped`),
      ],
    );
  });

  it('a record whose fast-path match would run into the next line is read as its own line', () => {
    // The first line ends before the pattern's closing "," or "}" (it is cut short): it must not borrow the next line's bytes.
    const h = parse(['{"step":1,"loss":0.5,"lr":0.1', '}'], true);
    assert.equal(h.series.length, 0);
    assert.equal(h.problemCount, 2);
  });

  it('names each bad record: not JSON, not an object, bad step, bad loss; blank lines count but are no problem', () => {
    const h = parse([
      '',
      '  ',
      'nope',
      '[1]',
      'null',
      '7',
      '{"loss":1}',
      '{"step":"1","loss":1}',
      '{"step":1.5,"loss":1}',
      '{"step":-1,"loss":1}',
      '{"step":1,"loss":"low"}',
      '{"step":1}',
      '{"step":2,"loss":1,"lr":"fast"}',
    ]);
    assert.equal(h.lines, 13);
    // The parser's own words vary by Node version.
    assert.deepEqual(
      h.problems.map((p) => p.replace(/not JSON \(.+\);/, 'not JSON (...);')),
      [
        'm.jsonl line 3: not JSON (...); line skipped',
        'm.jsonl line 4: expected a JSON object; line skipped',
        'm.jsonl line 5: expected a JSON object; line skipped',
        'm.jsonl line 6: expected a JSON object; line skipped',
        'm.jsonl line 7: "step" must be a non-negative integer; line skipped',
        'm.jsonl line 8: "step" must be a non-negative integer; line skipped',
        'm.jsonl line 9: "step" must be a non-negative integer; line skipped',
        'm.jsonl line 10: "step" must be a non-negative integer; line skipped',
        'm.jsonl line 11: "loss" must be a number (or null for a non-finite loss); line skipped',
        'm.jsonl line 12: "loss" must be a number (or null for a non-finite loss); line skipped',
      ],
    );
    // A step of 0 is fine; a missing or non-number lr is non-finite.
    assert.deepEqual(Array.from(h.series.columns().steps), [2]);
    assert.deepEqual(values(h.series.columns().lr), [null]);
    assert.deepEqual(Array.from(parse(['{"step":0,"loss":1}']).series.columns().steps), [0]);
  });

  it('keeps the first 20 problems and counts them all', () => {
    const h = parse(Array.from({ length: 25 }, () => 'bad'));
    assert.equal(h.problemCount, 25);
    assert.equal(h.problems.length, 20);
    assert.match(h.problems[19]!, /^m\.jsonl line 20: /);
  });

  it('a resume without a source or time says checkpoint-<step> and no time; other events draw nothing', () => {
    const h = parse([
      '{"step":1,"loss":1}',
      '{"step":2,"loss":1}',
      '{"event":"resumed","step":1,"from":5,"time":"noon"}',
      '{"event":"eval","step":2,"loss":9}',
      '{"step":2,"loss":0.5}',
    ]);
    assert.deepEqual(h.resumes, [{ step: 1, from: 'checkpoint-1', time: null }]);
    assert.deepEqual(values(h.series.columns().loss), [1, 0.5]);
    assert.deepEqual(h.problems, []);
  });

  it('a resume to an earlier step drops markers of the abandoned branch; one at the same step stays', () => {
    const h = parse([
      ...[1, 2, 3, 4, 5, 6].map((s) => `{"step":${s},"loss":1}`),
      '{"event":"resumed","step":4,"from":"checkpoint-4","time":1}',
      '{"step":5,"loss":1}',
      '{"event":"resumed","step":4,"from":"checkpoint-4","time":2}',
      '{"event":"resumed","step":2,"from":"checkpoint-2","time":3}',
    ]);
    assert.deepEqual(
      h.resumes.map((r) => r.time),
      [3],
    );
    const kept = parse([
      '{"step":1,"loss":1}',
      '{"step":2,"loss":1}',
      '{"event":"resumed","step":2,"time":1}',
      '{"step":3,"loss":1}',
      '{"event":"resumed","step":2,"time":2}',
    ]);
    assert.deepEqual(
      kept.resumes.map((r) => r.time),
      [1, 2],
    );
  });

  it('a step repeated without a resume line is a restart marked "step N-1"; the first row after a resume line is not', () => {
    const h = parse(['{"step":1,"loss":1}', '{"step":2,"loss":1}', '{"step":2,"loss":0.5}']);
    assert.deepEqual(h.resumes, [{ step: 1, from: 'step 1', time: null }]);
    assert.deepEqual(values(h.series.columns().loss), [1, 0.5]);
    const resumed = parse([
      '{"step":1,"loss":1}',
      '{"step":2,"loss":1}',
      '{"event":"resumed","step":1,"time":1}',
      '{"step":2,"loss":0.5}',
      '{"step":3,"loss":0.4}',
    ]);
    assert.deepEqual(resumed.resumes, [{ step: 1, from: 'checkpoint-1', time: 1 }]);
  });

  it('a first row at step 0 is no restart; a row at the step of the resume line just read is none either', () => {
    assert.deepEqual(parse(['{"step":0,"loss":1}', '{"step":1,"loss":1}']).resumes, []);
    const h = parse([
      '{"step":1,"loss":1}',
      '{"step":2,"loss":1}',
      '{"event":"resumed","step":2,"time":1}',
      '{"step":2,"loss":0.5}',
    ]);
    assert.deepEqual(h.resumes, [{ step: 2, from: 'checkpoint-2', time: 1 }]);
    assert.deepEqual(values(h.series.columns().loss), [1, 0.5]);
  });

  it('tells the observer each point and resume in order, restarts included', () => {
    const seen: string[] = [];
    const history = emptyHistory();
    const parser = new MetricsLineParser('m.jsonl', history, {
      point: (s, loss, lr) => seen.push(`p${s}:${loss}:${lr}`),
      resumed: (m) => seen.push(`r${m.step}:${m.from}`),
    });
    for (const l of ['{"step":1,"loss":1,"lr":2}', '{"step":1,"loss":3,"lr":4}']) parser.line(l);
    assert.deepEqual(seen, ['p1:1:2', 'r0:step 0', 'p1:3:4']);
  });
});

describe('metrics files: missing, rewritten and appended', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'metrics-lines-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('an appended read whose first row goes back in steps marks the restart', async () => {
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, '{"step":1,"loss":1}\n{"step":2,"loss":1}\n{"step":3,"loss":1}\n');
    const h = emptyHistory();
    await readAppendedMetrics(path, h);
    writeFileSync(path, '{"step":2,"loss":0.5}\n', { flag: 'a' });
    await readAppendedMetrics(path, h);
    assert.deepEqual(h.resumes, [{ step: 1, from: 'step 1', time: null }]);
    assert.deepEqual(Array.from(h.series.columns().steps), [1, 2]);
  });

  it('a missing file is an empty history; appended reads of a missing file say whether anything had been read', async () => {
    const path = join(dir, 'metrics.jsonl');
    assert.equal((await readMetricsFile(path)).lines, 0);
    assert.equal(await readAppendedMetrics(path, emptyHistory()), true);
    const read = emptyHistory();
    read.bytesRead = 10;
    assert.equal(await readAppendedMetrics(path, read), false);
  });

  it('a folder where the file should be is an error, not an empty history', async () => {
    await assert.rejects(readMetricsFile(dir), /EISDIR/);
    await assert.rejects(readAppendedMetrics(dir, emptyHistory()), /EISDIR/);
  });

  it('an appended read counts bytes and lines exactly, and a file of the same size reads nothing new', async () => {
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, '{"step":1,"loss":1}\n{"step":2,"loss":1}\n{"st');
    const h = emptyHistory();
    assert.equal(await readAppendedMetrics(path, h), true);
    assert.equal(h.bytesRead, 40);
    assert.equal(h.lines, 2);
    assert.equal(await readAppendedMetrics(path, h), true);
    assert.equal(h.lines, 2);
    assert.equal(h.series.length, 2);
  });
});
