/**
 * Runs the watcher never reported: a look at the workspace adds those the store lacks, reads a run
 * no longer found once (dropping it if nothing of it is left) and not again while it stays absent,
 * leaves known runs unread, skips while it may not look (no focus, a full search running), and waits
 * longer after a costly search. On a real RunStore over real folders; the search is the test's.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MissedRunsPoll, type MissedRunsPollOptions } from '../../../src/extension/store/missedRunsPoll';
import { RunStore } from '../../../src/extension/store/runStore';
import { countingListings, emptyReader } from '../../support/runReaders';

describe('MissedRunsPoll (runs the file watcher never reported)', () => {
  let root: string;
  const polls: MissedRunsPoll[] = [];
  const run = (name: string): string => {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ name, status: 'finished' }));
    return dir;
  };
  /** The store over `known`, and a poll whose search finds `found` (the test changes it). */
  const setup = async (known: string[], options: Partial<MissedRunsPollOptions> = {}) => {
    const counting = countingListings(emptyReader());
    const store = new RunStore({ reader: counting.reader });
    await store.setRunDirs(known);
    counting.listings.clear();
    const search = { found: [...known], calls: 0 };
    const poll = new MissedRunsPoll(store, {
      find: async () => {
        search.calls++;
        return search.found;
      },
      mayLook: () => true,
      // The test drives the looks itself.
      minIntervalMs: 3_600_000,
      ...options,
    });
    polls.push(poll);
    return { store, poll, search, counting };
  };

  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'missed-runs-'))));
  afterEach(() => {
    for (const p of polls.splice(0)) p.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('adds a run the search finds that the store lacks, and reads no run it knows', async () => {
    const known = run('known');
    const { store, poll, search, counting } = await setup([known]);
    const fresh = run('from-a-terminal');
    search.found = [known, fresh];
    await poll.look();
    assert.equal(store.get(fresh)?.record?.name, 'from-a-terminal');
    assert.deepEqual([...counting.listings.keys()], [fresh]);
  });

  it('drops a run whose folder is gone, reading it once per absence', async () => {
    const kept = run('kept');
    const gone = run('gone');
    const { store, poll, search, counting } = await setup([kept, gone]);
    rmSync(gone, { recursive: true });
    search.found = [kept];
    await poll.look();
    assert.equal(store.get(gone), undefined);
    assert.ok(store.get(kept));
    // A run no longer found that still holds its record stays (it is read once, not on every look).
    const moved = run('unfound-but-there');
    await store.addRunDirs([moved]);
    counting.listings.clear();
    await poll.look();
    await poll.look();
    assert.ok(store.get(moved));
    assert.equal(counting.listings.get(moved), 1);
  });

  it('does not add back a run deleted while its search ran, nor re-read one that joined meanwhile, nor keep an empty folder', async () => {
    const doomed = run('doomed');
    const { store, poll, search, counting } = await setup([doomed]);
    // The search lists the folder; before it returns, the run is deleted (the table's Delete).
    const find = search.found;
    let release!: () => void;
    const searched = new Promise<void>((r) => (release = r));
    const slow = new MissedRunsPoll(store, {
      find: async () => {
        await searched;
        return [...find];
      },
      mayLook: () => true,
      minIntervalMs: 3_600_000,
    });
    polls.push(slow);
    const looked = slow.look();
    rmSync(doomed, { recursive: true });
    await store.setRunDirs([]);
    const events: string[] = [];
    store.onDidChangeRun((c) => events.push(c.dir));
    release();
    await looked;
    assert.equal(store.get(doomed), undefined, 'a stale search result is not added back');
    assert.deepEqual(events, [], 'not even for a moment');
    // The other way round: a run that joins the store while the search runs is not in its results.
    const joined = run('joined');
    let releaseAgain!: () => void;
    const searchedAgain = new Promise<void>((r) => (releaseAgain = r));
    const late = new MissedRunsPoll(store, {
      find: async () => {
        await searchedAgain;
        return [];
      },
      mayLook: () => true,
      minIntervalMs: 3_600_000,
    });
    polls.push(late);
    const lookedAgain = late.look();
    await store.addRunDirs([joined]);
    counting.listings.clear();
    releaseAgain();
    await lookedAgain;
    assert.equal(counting.listings.get(joined), undefined, 'not read again as if it had gone');
    // The next look's search is stale the same way, but the run was not known when it began.
    const empty = path.join(root, 'empty-folder');
    mkdirSync(empty);
    search.found = [doomed, empty];
    await poll.look();
    assert.deepEqual(
      store.runs().map((r) => path.basename(r.dir)),
      ['joined'],
      'a folder with nothing of a run is not a run',
    );
  });

  it('leaves alone the runs this window trains', async () => {
    const mine = run('mine');
    const { store, poll, search, counting } = await setup([mine]);
    store.markActive(mine);
    search.found = [];
    await poll.look();
    assert.equal(store.get(mine)?.status, 'training');
    assert.equal(counting.total(), 0);
  });

  it('does not look while it may not, and looks on focus once an interval has passed', async () => {
    let clock = 0;
    let may = false;
    const { poll, search } = await setup([], { minIntervalMs: 10, now: () => clock, mayLook: () => may });
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(search.calls, 0, 'no look without focus');
    poll.focused();
    assert.equal(search.calls, 0);
    may = true;
    clock = 5;
    poll.focused();
    assert.equal(search.calls, 0, 'not within the interval of the last look');
    clock = 20;
    poll.focused();
    assert.equal(search.calls, 1);
  });

  it('waits longer after a costly search, within bounds', async () => {
    let clock = 0;
    let searchMs = 0;
    const { poll } = await setup([], { minIntervalMs: 10_000, now: () => clock });
    const timed = new MissedRunsPoll(new RunStore({ reader: emptyReader() }), {
      // The clock moves while the search runs.
      find: async () => {
        clock += searchMs;
        return [];
      },
      mayLook: () => true,
      minIntervalMs: 10_000,
      now: () => clock,
    });
    polls.push(timed);
    assert.equal(poll.intervalMs(), 10_000, 'the minimum before any look');
    searchMs = 2000;
    await timed.look();
    assert.equal(timed.intervalMs(), 100_000);
    searchMs = 60_000;
    await timed.look();
    assert.equal(timed.intervalMs(), 300_000, 'at most five minutes');
    searchMs = 10;
    await timed.look();
    assert.equal(timed.intervalMs(), 10_000, 'back to the minimum once the search is cheap again');
  });

  it('shares one look between calls made while it runs', async () => {
    const { poll, search } = await setup([]);
    await Promise.all([poll.look(), poll.look(), poll.look()]);
    assert.equal(search.calls, 1);
  });
});
