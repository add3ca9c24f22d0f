/**
 * The run store's reads: one save of a running trainer lists that run exactly once and no other run;
 * requests made while a read is in flight share one read after it; a stale read never wins.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CheckpointInfo } from '../../../src/core/checkpoint/types';
import type { CheckpointSource } from '../../../src/extension/model/checkpointEngine';
import { runFileOf } from '../../../src/extension/model/discovery';
import { RunStore, type RunChange } from '../../../src/extension/store/runStore';
import { checkpointRow, countingListings, readerWith } from '../../support/runReaders';

const DEBOUNCE_MS = 40;
const settle = (ms = DEBOUNCE_MS * 4) => new Promise((r) => setTimeout(r, ms));

function row(runDir: string, step: number): CheckpointInfo {
  return checkpointRow(path.join(runDir, 'checkpoints'), step, step);
}

/** Checkpoint lists the test changes as "saves" happen. */
function source(lists: Map<string, CheckpointInfo[]>): CheckpointSource {
  return { list: async (dir) => lists.get(path.resolve(dir)) ?? [], trainerSummary: async () => null };
}

describe('RunStore reads', () => {
  let root: string;
  let runs: string[];
  let lists: Map<string, CheckpointInfo[]>;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'tr-store-'));
    runs = ['a', 'b', 'c'].map((n) => path.join(root, n));
    for (const r of runs) mkdirSync(path.join(r, 'checkpoints'), { recursive: true });
    lists = new Map(runs.map((r) => [r, [row(r, 10)]]));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lists a run exactly once, and no other run, for one save of its running trainer', async () => {
    const counted = countingListings(readerWith(source(lists)));
    const store = new RunStore({ reader: counted.reader, touchDebounceMs: DEBOUNCE_MS });
    await store.setRunDirs(runs);
    const [a] = runs as [string];
    store.markActive(a);
    counted.listings.clear();
    const changed: string[] = [];
    store.onDidChangeRun((c: RunChange) => changed.push(path.basename(c.dir)));

    // One save as the host sees it: the watcher's events for the temporary folder, its rename, the
    // listing index and metrics lines, then the trainer's checkpoint_saved.
    lists.set(a, [row(a, 20), row(a, 10)]);
    for (const kind of ['checkpoints', 'checkpoints', 'checkpoints', 'metrics', 'metrics'] as const)
      store.touch(a, kind);
    store.applyEvent(a, {
      type: 'checkpoint_saved',
      step: 20,
      path: path.join(a, 'checkpoints', 'checkpoint-20'),
      name: 'checkpoint-20',
      bytes: 1,
      blockingMs: 0,
      durationMs: 0,
      deleted: [],
    });
    await settle();

    assert.deepEqual(Object.fromEntries(counted.listings), { [a]: 1 });
    assert.deepEqual(
      store.get(a)?.checkpoints.map((c) => c.name),
      ['checkpoint-20', 'checkpoint-10'],
    );
    assert.deepEqual([...new Set(changed)], ['a'], 'only run a changed');
  });

  it('lists a run trained outside this window once for a burst of watcher events, and no other run', async () => {
    const counted = countingListings(readerWith(source(lists)));
    const store = new RunStore({ reader: counted.reader, touchDebounceMs: DEBOUNCE_MS });
    await store.setRunDirs(runs);
    counted.listings.clear();
    const [, b] = runs as [string, string];
    lists.set(b, [row(b, 20), row(b, 10)]);
    for (let i = 0; i < 5; i++) store.touch(b, 'checkpoints');
    store.touch(b, 'metrics');
    await settle();
    assert.deepEqual(Object.fromEntries(counted.listings), { [b]: 1 });
    assert.equal(store.get(b)?.checkpoints[0]?.name, 'checkpoint-20');
  });

  it('tells followers of a TensorBoard event file up to two folders below a run, without re-reading the run', async () => {
    const counted = countingListings(readerWith(source(lists)));
    const store = new RunStore({ reader: counted.reader, touchDebounceMs: DEBOUNCE_MS });
    await store.setRunDirs(runs);
    counted.listings.clear();
    const [a] = runs as [string];
    const told: string[] = [];
    store.onDidChangeFiles((e) => told.push(`${path.relative(root, e.dir)}:${e.kind}`));
    const file = path.join(a, 'runs', 'Dec07_10-00-00_host', 'events.out.tfevents.1700000000.host.1.0');
    const seen = runFileOf(file);
    assert.deepEqual(seen, { runDir: path.dirname(file), kind: 'tensorboard' });
    store.touch(seen.runDir, seen.kind);
    store.touch(path.join(a, 'runs', 'x', 'too', 'deep'), 'tensorboard');
    store.touch(path.join(root, 'elsewhere'), 'tensorboard');
    await settle();
    assert.deepEqual(told, ['a:tensorboard']);
    assert.deepEqual(Object.fromEntries(counted.listings), {}, 'an event file does not re-read the run');
  });

  it('makes the requests that come during a read share one read after it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const base = readerWith(source(lists));
    const counted = countingListings({
      ...base,
      listRunCheckpoints: async (dir, request) => (await gate, base.listRunCheckpoints(dir, request)),
    });
    const store = new RunStore({ reader: counted.reader });
    const [a] = runs as [string];
    const first = store.refresh(a);
    const later = [store.refresh(a), store.refresh(a, { exact: false }), store.refresh(a)];
    release();
    await Promise.all([first, ...later]);
    assert.equal(counted.listings.get(a), 2, 'one read, then one for the three requests made during it');
  });

  it('never lets a stale read win: a read begun before the folder was replaced is dropped', async () => {
    const [a] = runs as [string];
    let calls = 0;
    let releaseStale!: () => void;
    const staleGate = new Promise<void>((r) => (releaseStale = r));
    const base = readerWith(source(lists));
    const store = new RunStore({
      reader: {
        ...base,
        async listRunCheckpoints(dir, request) {
          // The first read sees the old folder and is slow; the second sees the emptied one.
          if (++calls === 1) {
            const old = await base.listRunCheckpoints(dir, request);
            await staleGate;
            return old;
          }
          return [];
        },
      },
    });
    const seen: string[][] = [];
    store.onDidChangeRun((c) => seen.push(c.run?.checkpoints.map((x) => x.name) ?? []));
    const stale = store.refresh(a);
    await settle(10);
    await store.reset(a); // Train → Replace emptied the folder
    releaseStale();
    await stale;
    await settle(10);
    assert.deepEqual(store.get(a)?.checkpoints, [], 'the emptied folder is shown');
    assert.ok(
      !seen.some((names) => names.includes('checkpoint-10')),
      `the stale listing was never shown: ${JSON.stringify(seen)}`,
    );
  });

  it('tells subscribers which run changed, and when a run leaves', async () => {
    const store = new RunStore({ reader: readerWith(source(lists)) });
    await store.setRunDirs(runs);
    const changes: Array<[string, boolean]> = [];
    store.onDidChangeRun((c) => changes.push([path.basename(c.dir), c.run !== undefined]));
    await store.setRunDirs(runs.slice(0, 2));
    assert.deepEqual(
      changes.filter(([, present]) => !present),
      [['c', false]],
    );
    changes.length = 0;
    await store.refresh(runs[0]);
    assert.deepEqual(changes, [['a', true]]);
    assert.deepEqual(
      store.runs().map((r) => path.basename(r.dir)),
      ['a', 'b'],
    );
  });
});
