import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendFileSync } from 'node:fs';
import { readAppendedMetrics, readMetricsFile, type ResumeMarker } from '../../../../src/core/metrics/metricsReader';

describe('readMetricsFile', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'metrics-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (lines: string[], trailingNewline = true): string => {
    const path = join(dir, 'metrics.jsonl');
    writeFileSync(path, lines.join('\n') + (trailingNewline ? '\n' : ''));
    return path;
  };
  const point = (step: number, loss: number | null, lr = 0.001): string =>
    JSON.stringify({ step, loss, lr, examples_per_sec: 1000, time: 1_700_000_000_000 + step });

  it('reads steps, loss and lr in order, a null loss as non-finite', async () => {
    const h = await readMetricsFile(write([point(1, 2.5), point(2, null), point(3, 1.5, 0.002)]));
    const c = h.series.columns();
    assert.deepEqual(Array.from(c.steps), [1, 2, 3]);
    assert.equal(c.loss[0], 2.5);
    assert.ok(Number.isNaN(c.loss[1]));
    assert.equal(c.lr[2], 0.002);
    assert.deepEqual(h.problems, []);
  });

  it('turns a resume event into a marker and drops the abandoned points after it', async () => {
    const lines = [1, 2, 3, 4, 5, 6].map((s) => point(s, 10 - s));
    lines.push(
      JSON.stringify({ event: 'resumed', step: 4, from: 'checkpoint-4', time: 1 }),
      point(5, 0.5),
      point(6, 0.4),
    );
    const h = await readMetricsFile(write(lines));
    assert.deepEqual(Array.from(h.series.columns().steps), [1, 2, 3, 4, 5, 6]);
    assert.equal(h.series.columns().loss[4], 0.5, 'step 5 is the resumed branch’s');
    assert.deepEqual(h.resumes, [{ step: 4, from: 'checkpoint-4', time: 1 }]);
  });

  it('skips evaluation rows (eval_loss, no loss) without a problem or a training-loss point', async () => {
    const evalRow = JSON.stringify({
      step: 2,
      epoch: 0,
      eval_loss: 0.7,
      eval_accuracy: 0.5,
      eval_examples: 10,
      eval_runtime: 0.01,
      wall_time: 1,
      elapsed: 1,
    });
    const h = await readMetricsFile(write([point(1, 2.5), point(2, 2), evalRow, point(3, 1.5)]));
    assert.deepEqual(Array.from(h.series.columns().steps), [1, 2, 3]);
    assert.deepEqual(h.problems, []);
    assert.deepEqual(h.resumes, [], 'the eval row at step 2 after step 2 is not a restart');
  });

  it('reports malformed lines with file and line number and skips them', async () => {
    const path = write([
      point(1, 1),
      '{not json',
      JSON.stringify({ step: -1, loss: 1 }),
      JSON.stringify({ step: 4, loss: 'x' }),
      JSON.stringify({ event: 'other', step: 3 }),
      point(5, 1),
    ]);
    const h = await readMetricsFile(path);
    assert.deepEqual(Array.from(h.series.columns().steps), [1, 5]);
    assert.equal(h.problemCount, 3);
    assert.match(h.problems[0] ?? '', new RegExp(`${path.replace(/[/.]/g, '\\$&')} line 2: not JSON`));
    assert.match(h.problems[1] ?? '', /line 3: "step" must be a non-negative integer/);
    assert.match(h.problems[2] ?? '', /line 4: "loss" must be a number/);
  });

  it('leaves an unfinished last line for later and says how far it read', async () => {
    const first = point(1, 1);
    const h = await readMetricsFile(write([first, '{"step": 2, "lo'], false));
    assert.equal(h.series.length, 1);
    assert.equal(h.bytesRead, Buffer.byteLength(first) + 1);
    assert.deepEqual(h.problems, []);
  });

  it('treats a missing file as an empty history', async () => {
    const h = await readMetricsFile(join(dir, 'nope.jsonl'));
    assert.equal(h.series.length, 0);
  });

  it('reads only what was appended since, tells the observer, and keeps line numbers', async () => {
    const path = write([point(1, 1), point(2, 2)]);
    const h = await readMetricsFile(path);
    appendFileSync(
      path,
      `${point(3, 3)}\n${JSON.stringify({ event: 'resumed', step: 2, from: 'checkpoint-2', time: 5 })}\nbad\n${point(3, 0.3)}\n{"step":4`,
    );
    const seen: Array<number | ResumeMarker> = [];
    assert.equal(
      await readAppendedMetrics(path, h, { point: (step) => seen.push(step), resumed: (m) => seen.push(m) }),
      true,
    );
    assert.deepEqual(seen, [3, { step: 2, from: 'checkpoint-2', time: 5 }, 3]);
    assert.deepEqual(Array.from(h.series.columns().loss), [1, 2, 0.3]);
    assert.match(h.problems[0] ?? '', /line 5: not JSON/);
    // The unfinished line is read once it is complete.
    appendFileSync(path, `,"loss":0.2,"lr":0.1}\n`);
    await readAppendedMetrics(path, h);
    assert.equal(h.series.lastStep, 4);
  });

  it('says when the file was rewritten shorter than what was read', async () => {
    const path = write([point(1, 1), point(2, 2)]);
    const h = await readMetricsFile(path);
    write([point(1, 1)]);
    assert.equal(await readAppendedMetrics(path, h), false);
  });

  it('reads the trainer’s own rows (step, epoch, loss, lr, ...) and marks a restart it did not log', async () => {
    const row = (step: number, loss: number | null): string =>
      JSON.stringify({
        step,
        epoch: 0,
        loss,
        lr: 0.01,
        examples_per_sec: 5,
        steps_per_sec: 1,
        wall_time: 1,
        elapsed: 1,
      });
    const h = await readMetricsFile(write([row(1, 3), row(2, null), row(3, 1), row(4, 0.5), row(3, 0.9), row(4, 0.8)]));
    assert.deepEqual(Array.from(h.series.columns().steps), [1, 2, 3, 4]);
    assert.deepEqual(
      Array.from(h.series.columns().loss).map((v) => (Number.isNaN(v) ? null : v)),
      [3, null, 0.9, 0.8],
    );
    assert.deepEqual(h.resumes, [{ step: 2, from: 'step 2', time: null }]);
  });

  it('keeps every other numeric field as a metric of its own, eval rows without a loss included, and the wall time', async () => {
    const train = (step: number, loss: number): string =>
      JSON.stringify({
        step,
        epoch: 1,
        loss,
        lr: 0.01,
        examples_per_sec: 100 + step,
        steps_per_sec: 2,
        wall_time: 1700000000 + step,
        elapsed: step,
      });
    const h = await readMetricsFile(
      write([
        train(1, 3),
        train(2, 2),
        JSON.stringify({ step: 2, eval_loss: 2.5, eval_accuracy: 0.5, wall_time: 1700000002.5 }),
        JSON.stringify({ step: 3, loss: 1, lr: 0.01, note: 'hand-written', time: 1700000003000, grad_norm: null }),
      ]),
    );
    assert.deepEqual(h.problems, []);
    assert.deepEqual(Array.from(h.series.columns().time), [1700000001, 1700000002, 1700000003]);
    assert.deepEqual(h.scalars.names.sort(), [
      'epoch',
      'eval_accuracy',
      'eval_loss',
      'examples_per_sec',
      'grad_norm',
      'steps_per_sec',
    ]);
    assert.deepEqual(h.scalars.get('eval_loss'), {
      steps: Float64Array.from([2]),
      values: Float64Array.from([2.5]),
      times: Float64Array.from([1700000002.5]),
    });
    assert.deepEqual(h.scalars.get('examples_per_sec'), {
      steps: Float64Array.from([1, 2]),
      values: Float64Array.from([101, 102]),
      times: Float64Array.from([1700000001, 1700000002]),
    });
    assert.ok(Number.isNaN(h.scalars.get('grad_norm')!.values[0]));
  });

  it('a resume drops the abandoned tail of every metric; a row with no metric at all is reported', async () => {
    const h = await readMetricsFile(
      write([
        JSON.stringify({ step: 1, loss: 1, lr: 0.1, eval_loss: 1.5 }),
        JSON.stringify({ step: 2, loss: 1, lr: 0.1, eval_loss: 1.25 }),
        JSON.stringify({ event: 'resumed', step: 1, from: 'checkpoint-1' }),
        JSON.stringify({ step: 2, note: 'nothing numeric' }),
      ]),
    );
    assert.deepEqual(Array.from(h.scalars.get('eval_loss')!.steps), [1]);
    assert.match(h.problems.join(), /line 4: "loss" must be a number/);
  });
});
