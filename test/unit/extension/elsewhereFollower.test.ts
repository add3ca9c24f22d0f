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
import { countingListings, emptyReader } from '../../support/runReaders';

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
    return { store, follower, counting };
  };

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'elsewhere-'));
    alive.clear();
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('shows a run trained in a terminal as finished once its run.json says so', async () => {
    alive.add(4242);
    const dir = run('cli', 'training', 4242);
    const { store, follower } = await setup([dir]);
    assert.equal(store.get(dir)?.status, 'training');
    await follower.round();
    record(dir, 'finished', 4242);
    await follower.round();
    assert.equal(store.get(dir)?.status, 'finished');
    follower.dispose();
    store.dispose();
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
    follower.dispose();
    store.dispose();
  });

  it('re-reads a followed run once on first sight, then only when its files changed', async () => {
    alive.add(4244);
    const dir = run('steady', 'training', 4244);
    const { store, follower, counting } = await setup([dir]);
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
    follower.dispose();
    store.dispose();
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
    follower.dispose();
    store.dispose();
  });
});
