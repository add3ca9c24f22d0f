/**
 * The reader pool: reads run in worker threads of the real bundle and answer as the readers do in
 * this thread (values, errors with their errno code, metrics histories); a read over its time budget
 * is refused with the reason and its thread replaced; replies are validated; dispose refuses what waits.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricsHistory } from '../../../../src/core/metrics/metricsReader';
import * as reading from '../../../../src/extension/reading';
import { ReaderPool, ReadRefusedError } from '../../../../src/extension/reading/readerPool';
import { writePickleBombRun } from '../../../support/hostileRuns';
import { FIXTURES_DIR, SIMPLE_FIXTURE } from '../../core/tensorboard/fixtureSpec';
import { readerWorkerBundle } from './workerBundle';

const pointsOf = (h: MetricsHistory) => {
  const c = h.series.columns();
  return [...c.steps].map((s, i) => [s, c.loss[i], c.lr[i], c.time[i]]);
};

describe('reader pool (worker threads with a time budget)', function () {
  this.timeout(120_000);
  let dir: string;
  let pools: ReaderPool[] = [];
  const pool = (budgetMs = 10_000, script = readerWorkerBundle()): ReaderPool => {
    const p = new ReaderPool({ workerScript: script, budgetMs: () => budgetMs });
    pools.push(p);
    return p;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reader-pool-'));
  });
  afterEach(() => {
    for (const p of pools) p.dispose();
    pools = [];
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a read with the reader's value, and its error with the errno code", async () => {
    const p = pool();
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ status: 'finished', pid: 7, max_steps: 30, step: 30 }));
    const value = (await p.run('readRunRecord', [dir])) as Awaited<ReturnType<typeof reading.readRunRecord>>;
    assert.equal(value.record?.status, 'finished');
    assert.equal(value.record?.maxSteps, 30);
    await assert.rejects(
      p.run('readTrainerState', [join(dir, 'missing.json')]),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && /missing\.json/.test(e.message),
    );
  });

  it('refuses a read over its time budget, naming the budget, and replaces the thread', async () => {
    const p = pool(300);
    const runDir = join(dir, 'bomb');
    writePickleBombRun(runDir);
    const t0 = performance.now();
    await assert.rejects(
      p.run('listHfCheckpoints', [runDir]),
      (e: unknown) =>
        e instanceof ReadRefusedError && e.message === 'took longer than 300 ms' && e.op === 'listHfCheckpoints',
    );
    const refusedMs = performance.now() - t0;
    console.log(
      `      [measure] pickle-bomb listing refused after ${refusedMs.toFixed(0)} ms (budget 300 ms, worker start included)`,
    );
    // A fresh thread answers the next read.
    assert.equal(await p.run('isHfOutputDir', [runDir]), true);
    assert.ok(p.threadCount <= 2, `threads: ${p.threadCount}`);
  });

  it('a slow read does not hold up the others: a second thread answers meanwhile', async () => {
    const p = pool(5_000);
    const runDir = join(dir, 'bomb');
    writePickleBombRun(runDir);
    writeFileSync(join(dir, 'run.json'), '{"status":"stopped"}');
    const slow = p.run('listHfCheckpoints', [runDir]).catch((e: Error) => e);
    const t0 = performance.now();
    await p.run('isHfOutputDir', [dir]); // starts the second thread
    const quick = await p.run('readRunRecord', [dir]);
    assert.equal((quick as { record: { status: string } }).record.status, 'stopped');
    console.log(
      `      [measure] a quick read beside the pickle-bomb listing answered in ${(performance.now() - t0).toFixed(0)} ms`,
    );
    await slow;
  });

  it('refuses reads of a worker that sends an invalid reply, and everything once disposed', async () => {
    const liar = join(dir, 'liar.js');
    writeFileSync(
      liar,
      "const { parentPort } = require('node:worker_threads'); parentPort.postMessage({ type: 'ready' }); parentPort.on('message', (m) => parentPort.postMessage({ type: 'result', id: String(m.id) }));",
    );
    const p = pool(5_000, liar);
    await assert.rejects(
      p.run('isHfOutputDir', [dir]),
      (e: unknown) => e instanceof ReadRefusedError && /invalid reply/.test(e.message),
    );

    const q = pool(60_000);
    const waiting = q.run('listHfCheckpoints', [(writePickleBombRun(join(dir, 'bomb2')), join(dir, 'bomb2'))]);
    q.dispose();
    await assert.rejects(waiting, (e: unknown) => e instanceof ReadRefusedError && /shutting down/.test(e.message));
    await assert.rejects(q.run('isHfOutputDir', [dir]), ReadRefusedError);
    assert.equal(q.threadCount, 0);
  });

  it('refuses at once when the worker bundle cannot start', async () => {
    const p = pool(5_000, join(dir, 'no-such-worker.js'));
    await assert.rejects(
      p.run('isHfOutputDir', [dir]),
      (e: unknown) => e instanceof ReadRefusedError && /reader thread/.test(e.message),
    );
  });

  describe('the facade (same names and signatures as the readers)', () => {
    let installed: { dispose(): void } | undefined;
    afterEach(() => installed?.dispose());

    it('reads metrics histories through the pool exactly as in this thread, appended reads included', async () => {
      const file = join(dir, 'metrics.jsonl');
      const line = (o: object) => `${JSON.stringify(o)}\n`;
      writeFileSync(
        file,
        [
          line({ step: 1, loss: 2, lr: 0.1, examples_per_sec: 9, wall_time: 1700000001 }),
          line({ step: 2, loss: null, lr: 0.1 }),
          line({ step: 2, eval_loss: 1.5, eval_accuracy: 0.5, wall_time: 1700000002 }),
          'not json\n',
          line({ step: 3, loss: 1, lr: 0.05 }),
        ].join(''),
      );
      const local = await reading.readRunMetrics(dir);
      installed = reading.installReaderPool(pool());
      const remote = await reading.readRunMetrics(dir);
      assert.deepEqual(pointsOf(remote), pointsOf(local));
      assert.deepEqual(remote.scalars.columns(), local.scalars.columns());
      assert.deepEqual(Array.from(remote.scalars.get('eval_loss')!.steps), [2]);
      assert.deepEqual(remote.problems, local.problems);
      assert.equal(remote.bytesRead, local.bytesRead);

      // Appended: a resume back to step 2, steps going back without a resume line, a partial last line.
      appendFileSync(
        file,
        [
          line({ event: 'resumed', step: 2, from: 'checkpoint-2', time: 5 }),
          line({ step: 3, loss: 0.9, lr: 0.05 }),
          line({ step: 1, loss: 3, lr: 0.1 }),
          '{"step":',
        ].join(''),
      );
      const seen: string[] = [];
      const observer = {
        point: (s: number) => seen.push(`p${s}`),
        resumed: (m: { step: number }) => seen.push(`r${m.step}`),
      };
      assert.equal(await reading.readAppendedMetrics(file, remote, observer), true);
      installed.dispose();
      installed = undefined;
      const seenLocal: string[] = [];
      assert.equal(
        await reading.readAppendedMetrics(file, local, {
          point: (s) => seenLocal.push(`p${s}`),
          resumed: (m) => seenLocal.push(`r${m.step}`),
        }),
        true,
      );
      assert.deepEqual(seen, seenLocal);
      assert.deepEqual(seen, ['r2', 'p3', 'r0', 'p1']);
      assert.deepEqual(pointsOf(remote), pointsOf(local));
      assert.deepEqual(remote.resumes, local.resumes);
      assert.deepEqual(remote.scalars.columns(), local.scalars.columns());
      assert.deepEqual(
        [remote.bytesRead, remote.lines, remote.problemCount],
        [local.bytesRead, local.lines, local.problemCount],
      );
    });

    it('reads TensorBoard event files through the pool, continuing from the cursor, and names a corrupt file', async () => {
      const session = join(dir, 'runs', 'session');
      mkdirSync(session, { recursive: true });
      const fixture = readFileSync(join(FIXTURES_DIR, SIMPLE_FIXTURE.name));
      const file = join(session, SIMPLE_FIXTURE.name);
      // The file as a writer leaves it midway: its first half, then the rest.
      writeFileSync(file, fixture.subarray(0, 200));
      const local = await reading.readTensorBoardScalars(dir);
      installed = reading.installReaderPool(pool());
      const first = await reading.readTensorBoardScalars(dir);
      assert.deepEqual(first, local);
      appendFileSync(file, fixture.subarray(200));
      const rest = await reading.readTensorBoardScalars(dir, first.cursor);
      assert.deepEqual(
        [...first.points, ...rest.points].map((p) => `${p.tag}@${p.step}`),
        [
          'train/loss@10',
          'train/learning_rate@10',
          'train/loss@20',
          'train/learning_rate@20',
          'eval/loss@20',
          'eval/accuracy@20',
          'train/loss@30',
          'train/learning_rate@30',
        ],
      );
      appendFileSync(file, Buffer.alloc(16, 0xff));
      const corrupt = await reading.readTensorBoardScalars(dir, rest.cursor);
      assert.deepEqual(corrupt.points, []);
      assert.match(corrupt.problems.join(), /unreadable: record at byte \d+: its length fails its CRC/);
    });

    it('lists checkpoints through the pool with the listing of this thread', async () => {
      mkdirSync(join(dir, 'hf'));
      writePickleBombRun(join(dir, 'hf'));
      const local = await reading.listHfCheckpoints(join(dir, 'hf'), { readTorchFiles: false });
      installed = reading.installReaderPool(pool());
      assert.deepEqual(await reading.listHfCheckpoints(join(dir, 'hf'), { readTorchFiles: false }), local);
    });
  });
});
