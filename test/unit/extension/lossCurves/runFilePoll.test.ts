/**
 * The loss-curves panels' poll of the files a run appends to (metrics.jsonl, TensorBoard event
 * files): every shown run is checked on a timer
 * (no watcher event needed), what a check finds goes to the panels, a slow check is never overlapped
 * by the next round, and nothing is checked after dispose.
 */
import assert from 'node:assert/strict';
import type { FeedChange } from '../../../../src/extension/lossCurves/runCurves';
import { pollRunFiles } from '../../../../src/extension/lossCurves/runFilePoll';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const point = (step: number): FeedChange => ({
  kind: 'scalars',
  points: [{ name: 'eval/loss', step, value: 1, time: null }],
});

/** A feed whose event-file checks are counted and answered by `answer`; metrics.jsonl by `metrics`. */
function feed(
  answer: (call: number) => Promise<FeedChange[]>,
  metrics: (call: number) => Promise<FeedChange[]> = async () => [],
) {
  const f = { calls: 0, inFlight: 0, maxInFlight: 0, metricsCalls: 0 };
  return Object.assign(f, {
    metricsAppended: (): Promise<FeedChange[]> => metrics(++f.metricsCalls),
    tensorBoardChanged: async (): Promise<FeedChange[]> => {
      f.calls++;
      f.inFlight++;
      f.maxInFlight = Math.max(f.maxInFlight, f.inFlight);
      try {
        return await answer(f.calls);
      } finally {
        f.inFlight--;
      }
    },
  });
}

describe('pollRunFiles', () => {
  it("checks each feed's metrics.jsonl too, and hands on the lines appended (no watcher event needed)", async () => {
    const appended: FeedChange = { kind: 'point', step: 3001, loss: 0.05, lr: 0.001, time: null };
    const a = feed(
      async () => [],
      async (call) => (call === 2 ? [appended] : []),
    );
    const got: FeedChange[][] = [];
    const poll = pollRunFiles({ feeds: () => [a], changed: (_f, changes) => got.push(changes), intervalMs: 5 });
    try {
      const deadline = Date.now() + 5000;
      while (a.metricsCalls < 3 && Date.now() < deadline) await sleep(5);
    } finally {
      poll.dispose();
    }
    assert.ok(a.metricsCalls >= 3, `rounds: ${a.metricsCalls}`);
    assert.deepEqual(
      got.filter((c) => c.length > 0),
      [[appended]],
    );
  });

  it('checks every feed each round and hands on what the checks found', async () => {
    const a = feed(async (call) => (call === 2 ? [point(40)] : []));
    const b = feed(async () => []);
    const got: Array<[string, FeedChange[]]> = [];
    const poll = pollRunFiles({
      feeds: () => [a, b],
      changed: (f, changes) => got.push([f === a ? 'a' : 'b', changes]),
      intervalMs: 5,
    });
    try {
      const deadline = Date.now() + 5000;
      while ((a.calls < 3 || b.calls < 3) && Date.now() < deadline) await sleep(5);
    } finally {
      poll.dispose();
    }
    assert.ok(a.calls >= 3 && b.calls >= 3, `rounds: a ${a.calls}, b ${b.calls}`);
    assert.deepEqual(
      got.filter(([, c]) => c.length > 0),
      [['a', [point(40)]]],
    );
  });

  it('waits for a slow check before the next round, and stops on dispose', async () => {
    let release!: () => void;
    const slow = feed((call) =>
      call === 1 ? new Promise<FeedChange[]>((r) => (release = () => r([]))) : Promise.resolve([]),
    );
    const poll = pollRunFiles({ feeds: () => [slow], changed: () => undefined, intervalMs: 5 });
    const deadline = Date.now() + 5000;
    while (slow.calls === 0 && Date.now() < deadline) await sleep(5);
    await sleep(60);
    assert.equal(slow.calls, 1, 'no round while the first check is still reading');
    release();
    while (slow.calls < 2 && Date.now() < deadline) await sleep(5);
    assert.equal(slow.maxInFlight, 1);
    poll.dispose();
    const after = slow.calls;
    await sleep(60);
    assert.equal(slow.calls, after, 'no check after dispose');
  });

  it('goes on after a check that failed', async () => {
    const flaky = feed(async (call) => {
      if (call === 1) throw new Error('worker gone');
      return [];
    });
    const poll = pollRunFiles({ feeds: () => [flaky], changed: () => undefined, intervalMs: 5 });
    const deadline = Date.now() + 5000;
    while (flaky.calls < 2 && Date.now() < deadline) await sleep(5);
    poll.dispose();
    assert.ok(flaky.calls >= 2);
  });
});
