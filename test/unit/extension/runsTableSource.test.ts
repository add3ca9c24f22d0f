/**
 * The runs table's source: rows come at once from the run store, marked as waiting for their
 * details; the details (config, metrics tail, notes, folder size) are read through the reader
 * workers in batches and reach the listeners as changed rows; a refused batch says why on its rows.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRow } from '../../../src/core/protocol/runsTable';
import { installReaderPool } from '../../../src/extension/reading';
import { ReaderPool } from '../../../src/extension/reading/readerPool';
import { RunsTableSource } from '../../../src/extension/runsTable/runsTableSource';
import { fileRunReader } from '../../../src/extension/store/runReader';
import { RunStore } from '../../../src/extension/store/runStore';
import { readerWorkerBundle } from './reading/workerBundle';

const RUNS = 60;

function writeRun(root: string, i: number): string {
  const dir = join(root, `run-${String(i).padStart(3, '0')}`);
  mkdirSync(dir, { recursive: true });
  const started = Date.UTC(2026, 10, 1) + i * 60_000;
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({
      name: `run-${i}`,
      status: 'finished',
      pid: 1,
      config: { seed: i, optimizer: { learning_rate: 0.01 } },
      step: 10,
      max_steps: 10,
      started_at: new Date(started).toISOString(),
      ended_at: new Date(started + 5000).toISOString(),
    }),
  );
  writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify({ step: 10, loss: i / 100 })}\n`);
  if (i % 10 === 0) writeFileSync(join(dir, 'run-notes.json'), JSON.stringify({ notes: `note ${i}`, tags: ['t'] }));
  return dir;
}

describe('runs table source: rows first, details streamed through the reader workers', function () {
  this.timeout(120_000);
  let root: string;
  let dirs: string[];
  let model: RunStore;
  let source: RunsTableSource;
  let pool: { dispose(): void } | undefined;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'runs-table-source-'));
    dirs = Array.from({ length: RUNS }, (_, i) => writeRun(root, i));
    model = new RunStore({ reader: fileRunReader });
    await model.setRunDirs(dirs);
  });
  afterEach(() => {
    source?.dispose();
    model.dispose();
    pool?.dispose();
    pool = undefined;
    rmSync(root, { recursive: true, force: true });
  });

  it('answers from the run store at once, then sends every row again with its details', async () => {
    pool = installReaderPool(new ReaderPool({ workerScript: readerWorkerBundle(), budgetMs: () => 30_000 }));
    source = new RunsTableSource(model);
    const changed = new Map<string, RunRow>();
    let changes = 0;
    source.onDidChange((c) => {
      changes++;
      for (const r of c.changed) changed.set(r.runDir, r);
    });
    const first = await source.rows();
    assert.equal(first.length, RUNS);
    assert.equal(first[0]?.folder, 'run-059', 'newest first');
    assert.ok(first.every((r) => r.detailsPending === true && Object.keys(r.config).length === 0));
    assert.equal(first[0]?.steps, 10, 'what the store holds is there from the start');

    await source.detailsRead();
    assert.equal(changed.size, RUNS, 'every row came again');
    assert.ok(changes > 1, 'in batches');
    const run0 = changed.get(dirs[0]!)!;
    assert.equal(run0.detailsPending, undefined);
    assert.deepEqual(run0.config, { seed: 0, 'optimizer.learning_rate': 0.01 });
    assert.equal(run0.notes, 'note 0');
    assert.equal(changed.get(dirs[7]!)?.finalLoss, 0.07);
    assert.ok((run0.diskBytes ?? 0) > 0);

    const again = await source.rows();
    assert.ok(
      again.every((r) => r.detailsPending === undefined),
      'read once, then cached',
    );
    assert.deepEqual(again.find((r) => r.runDir === dirs[0])?.config, run0.config);
  });

  it('with deferDetails reads nothing until told (a panel tells it once its rows are painted)', async () => {
    pool = installReaderPool(new ReaderPool({ workerScript: readerWorkerBundle(), budgetMs: () => 30_000 }));
    source = new RunsTableSource(model);
    const changed = new Map<string, RunRow>();
    source.onDidChange((c) => c.changed.forEach((r) => changed.set(r.runDir, r)));
    const first = await source.rows({ deferDetails: true });
    assert.ok(first.every((r) => r.detailsPending === true));
    await new Promise((r) => setTimeout(r, 500));
    await source.detailsRead();
    assert.equal(changed.size, 0, 'no details read before readMissingDetails');
    source.readMissingDetails();
    await source.detailsRead();
    assert.equal(changed.size, RUNS, 'every row came again with its details');
    assert.ok([...changed.values()].every((r) => r.detailsPending === undefined));
    source.readMissingDetails(); // nothing missing: nothing read, nothing sent
    await source.detailsRead();
    assert.equal(changed.size, RUNS);
  });

  it('re-reads a run’s notes when the table saved them', async () => {
    source = new RunsTableSource(model);
    const changed: RunRow[] = [];
    source.onDidChange((c) => changed.push(...c.changed));
    await source.rows();
    await source.detailsRead();
    changed.length = 0;
    writeFileSync(join(dirs[3]!, 'run-notes.json'), JSON.stringify({ notes: 'new note', tags: [] }));
    await source.notesChanged(dirs[3]!);
    assert.equal(changed.find((r) => r.runDir === dirs[3])?.notes, 'new note');
  });

  it('says on its rows that their details were not read when the workers refuse the batch', async () => {
    pool = installReaderPool(new ReaderPool({ workerScript: readerWorkerBundle(), budgetMs: () => 1 }));
    source = new RunsTableSource(model);
    await source.rows();
    await source.detailsRead();
    const rows = await source.rows();
    assert.ok(
      rows.every((r) => r.detailsPending === undefined),
      'not waiting forever',
    );
    assert.match(rows[0]?.problems.join('\n') ?? '', /details not read: took longer than 1 ms/);
  });
});
