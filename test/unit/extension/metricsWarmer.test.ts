import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { metricsOverviewPath } from '../../../src/core/metrics/metricsOverview';
import { readRunOverview } from '../../../src/core/metrics/runHistory';
import { MetricsWarmer } from '../../../src/extension/store/metricsWarmer';
import { RunStore } from '../../../src/extension/store/runStore';
import { emptyReader } from '../../support/runReaders';

const longMetrics = (steps: number): string => {
  let text = '';
  for (let s = 1; s <= steps; s++)
    text += `{"step":${s},"loss":${1 + 1 / s},"lr":0.001,"time":${1_700_000_000_000 + s}}\n`;
  return text;
};

describe('MetricsWarmer (a run that ends is read once, for its first chart)', () => {
  let root: string;
  let runA: string;
  let runB: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'metrics-warmer-'));
    runA = path.join(root, 'a');
    runB = path.join(root, 'b');
    for (const dir of [runA, runB]) mkdirSync(dir, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes the overview of a long run when this window sees its training end, so its chart opens from it', async () => {
    writeFileSync(path.join(runA, 'metrics.jsonl'), longMetrics(30_000));
    const store = new RunStore({ reader: emptyReader() });
    const warmer = new MetricsWarmer(store, emptyReader(), (line) => assert.fail(line));
    await store.setRunDirs([runA]);
    await warmer.idle();
    assert.ok(!existsSync(metricsOverviewPath(path.join(runA, 'metrics.jsonl'))), 'not for a run merely discovered');
    store.markActive(runA);
    await store.markEnded(runA, { status: 'finished', detail: null });
    await warmer.idle();
    assert.equal((await readRunOverview(runA))?.totalPoints, 30_000);
    warmer.dispose();
    store.dispose();
  });

  it('reads each ended run once, one at a time, and only runs that were training', async () => {
    const reads: string[] = [];
    let inFlight = 0;
    let most = 0;
    const reader = {
      warmRunMetrics: async (dir: string) => {
        inFlight++;
        most = Math.max(most, inFlight);
        reads.push(path.basename(dir));
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        return true;
      },
    };
    const store = new RunStore({ reader: emptyReader() });
    const warmer = new MetricsWarmer(store, reader, (line) => assert.fail(line));
    await store.setRunDirs([runA, runB]);
    store.markActive(runA);
    store.markActive(runB);
    store.markStopping(runB);
    await Promise.all([
      store.markEnded(runA, { status: 'failed', detail: 'out of memory' }),
      store.markEnded(runB, { status: 'stopped', detail: null }),
    ]);
    await store.refresh(runA); // an ended run read again is not warmed again
    await warmer.idle();
    assert.deepEqual(reads.sort(), ['a', 'b']);
    assert.equal(most, 1, 'one read at a time');
    warmer.dispose();
    store.dispose();
  });

  it('logs a read that fails and goes on with the next run', async () => {
    const logged: string[] = [];
    const reads: string[] = [];
    const reader = {
      warmRunMetrics: async (dir: string) => {
        reads.push(path.basename(dir));
        if (dir === runA) throw new Error('metrics.jsonl could not be read: took longer than 3 s');
        return true;
      },
    };
    const store = new RunStore({ reader: emptyReader() });
    const warmer = new MetricsWarmer(store, reader, (line) => logged.push(line));
    store.markActive(runA);
    store.markActive(runB);
    await store.markEnded(runA, { status: 'finished', detail: null });
    await store.markEnded(runB, { status: 'finished', detail: null });
    await warmer.idle();
    assert.deepEqual(reads, ['a', 'b']);
    assert.equal(logged.length, 1);
    assert.match(logged[0]!, /a: metrics\.jsonl could not be read/);
    warmer.dispose();
    store.dispose();
  });

  it('reads the runs found ended when the workspace is read, once discovery is quiet: the last to end first, up to the limit, after a run ending now', async () => {
    const ended = (name: string, endedAt: string | null, status = 'finished'): string => {
      const dir = path.join(root, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        path.join(dir, 'run.json'),
        JSON.stringify({
          status,
          pid: null,
          started_at: '2026-01-01T00:00:00.000Z',
          ...(endedAt ? { ended_at: endedAt } : {}),
        }),
      );
      return dir;
    };
    const old = ended('old', '2026-01-02T00:00:00.000Z');
    const newest = ended('newest', '2026-03-01T00:00:00.000Z', 'stopped');
    const middle = ended('middle', '2026-02-01T00:00:00.000Z', 'failed');
    const reads: string[] = [];
    const reader = {
      warmRunMetrics: async (dir: string) => {
        reads.push(path.basename(dir));
        return true;
      },
    };
    const store = new RunStore({ reader: emptyReader() });
    const warmer = new MetricsWarmer(store, reader, (line) => assert.fail(line), {
      discoveredDelayMs: 200,
      discoveredLimit: 2,
    });
    await store.setRunDirs([old, newest, middle, runA]);
    assert.equal(store.get(newest)?.status, 'stopped');
    // A run that ends meanwhile goes first; the discovered ones wait for the quiet time.
    store.markActive(runB);
    await store.markEnded(runB, { status: 'finished', detail: null });
    await warmer.idle();
    assert.deepEqual(reads, ['b']);
    await new Promise((r) => setTimeout(r, 400));
    await warmer.idle();
    assert.deepEqual(
      reads,
      ['b', 'newest', 'middle'],
      'the two that ended last; not the oldest, not the run with no record',
    );
    await store.refresh(); // read again: not discovered again
    await new Promise((r) => setTimeout(r, 400));
    await warmer.idle();
    assert.equal(reads.length, 3);
    warmer.dispose();
    store.dispose();
  });
});
