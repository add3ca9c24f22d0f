/**
 * Runs trained outside this window stay current with no watcher event: a run.json rewritten at the
 * end, a new checkpoint folder, a trainer that died; an unchanged run is not read again, and runs this
 * window trains are left to their trainer's events. On a real RunStore over real folders.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ElsewhereFollower } from '../../../src/extension/store/elsewhereFollower';
import { RunStore } from '../../../src/extension/store/runStore';
import type { CheckpointInfo } from '../../../src/core/checkpoint/types';
import { checkpointRow, countingListings, emptyReader, readerWith } from '../../support/runReaders';

describe('ElsewhereFollower (runs trained outside this window, without the watcher)', () => {
  let root: string;
  const alive = new Set<number>();
  const record = (dir: string, status: string, pid: number | null): void => {
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ status, pid }));
    // A rewrite within the same millisecond as the last look must still count as a change.
    const later = new Date(Date.now() + 1000 * Math.random() + 1000);
    utimesSync(path.join(dir, 'run.json'), later, later);
  };
  const run = (name: string, status: string, pid: number | null): string => {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    record(dir, status, pid);
    return dir;
  };
  const setup = async (dirs: string[]) => {
    const counting = countingListings(emptyReader());
    const store = new RunStore({ reader: counting.reader, isProcessAlive: (pid) => alive.has(pid) });
    await store.setRunDirs(dirs);
    // A long interval: the test drives the rounds itself.
    const follower = new ElsewhereFollower(store, { intervalMs: 3_600_000, isProcessAlive: (pid) => alive.has(pid) });
    owned.push(follower, store);
    return { store, follower, counting };
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'elsewhere-'));
    alive.clear();
  });
  /** Disposed after each test, passed or failed (a follower's timer would keep mocha from exiting). */
  const owned: Array<{ dispose(): void }> = [];
  afterEach(() => {
    for (const d of owned.splice(0)) d.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('shows a run trained in a terminal as finished once its run.json says so', async () => {
    alive.add(4242);
    const dir = run('cli', 'training', 4242);
    const { store, follower } = await setup([dir]);
    assert.equal(store.get(dir)?.status, 'training');
    await follower.round();
    record(dir, 'finished', 4242);
    await follower.round();
    assert.equal(store.get(dir)?.status, 'finished');
  });

  it('shows it failed when its trainer dies with run.json still saying training', async () => {
    alive.add(4243);
    const dir = run('killed', 'training', 4243);
    const { store, follower } = await setup([dir]);
    await follower.round();
    alive.delete(4243);
    await follower.round();
    assert.equal(store.get(dir)?.status, 'failed');
    assert.match(store.get(dir)?.statusDetail ?? '', /pid 4243/);
  });

  it('re-reads a followed run once on first sight, then only when its files changed', async () => {
    alive.add(4244);
    const dir = run('steady', 'training', 4244);
    const { follower, counting } = await setup([dir]);
    const listings = () => counting.listings.get(dir) ?? 0;
    const afterDiscovery = listings();
    await follower.round();
    assert.equal(listings(), afterDiscovery + 1, 'one read on first sight');
    await follower.round();
    await follower.round();
    assert.equal(listings(), afterDiscovery + 1, 'no read while nothing changed');
    mkdirSync(path.join(dir, 'checkpoints', 'checkpoint-10'), { recursive: true });
    await follower.round();
    assert.equal(listings(), afterDiscovery + 2, 'a save (a new entry in checkpoints/) is read');
  });

  it('follows a run without run.json (a Hugging Face Trainer from a terminal) while it saved within the hour', async () => {
    const checkpoint = (dir: string, step: number, ageMs: number): CheckpointInfo =>
      checkpointRow(dir, step, Date.now() - ageMs);
    const saved = new Map<string, CheckpointInfo[]>();
    const hfRun = (name: string, ageMs: number): string => {
      const dir = path.join(root, name);
      mkdirSync(path.join(dir, 'checkpoint-10'), { recursive: true });
      saved.set(dir, [checkpoint(dir, 10, ageMs)]);
      return dir;
    };
    const live = hfRun('hf-live', 60_000);
    const old = hfRun('hf-old', 2 * 3600_000);
    const counting = countingListings(
      readerWith({ list: async (dir) => saved.get(path.resolve(dir)) ?? [], trainerSummary: async () => null }),
    );
    const store = new RunStore({ reader: counting.reader });
    await store.setRunDirs([live, old]);
    assert.equal(store.get(live)?.status, 'unknown');
    const follower = new ElsewhereFollower(store, { intervalMs: 3_600_000 });
    owned.push(follower, store);
    await follower.round();
    // The Trainer saves checkpoint-20 into both folders: only the one that saved lately is looked at.
    for (const dir of [live, old]) {
      mkdirSync(path.join(dir, 'checkpoint-20'));
      const later = new Date(Date.now() + 2000);
      utimesSync(dir, later, later);
      saved.set(dir, [checkpoint(dir, 20, 0), ...saved.get(dir)!]);
    }
    await follower.round();
    assert.deepEqual(
      store.get(live)?.checkpoints.map((c) => c.name),
      ['checkpoint-20', 'checkpoint-10'],
    );
    assert.deepEqual(
      store.get(old)?.checkpoints.map((c) => c.name),
      ['checkpoint-10'],
      'a run that saved hours ago is left to the watcher',
    );
  });

  it("leaves the runs this window trains to their trainer's events", async () => {
    const dir = run('mine', 'training', process.pid);
    alive.add(process.pid);
    const { store, follower, counting } = await setup([dir]);
    store.markActive(dir);
    const before = counting.listings.get(dir) ?? 0;
    record(dir, 'finished', process.pid);
    await follower.round();
    await follower.round();
    assert.equal(counting.listings.get(dir) ?? 0, before);
    assert.equal(store.get(dir)?.status, 'training');
  });
});
