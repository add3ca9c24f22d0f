import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { mapLimited, retryTransient } from '../../../../src/core/checkpoint/concurrency';
import { ReaderIoError } from '../../../../src/core/checkpoint/errors';

describe('bounded parallel reads and retries of transient reader failures', () => {
  it('mapLimited keeps results in order, passes indexes, and never runs more than the limit at once', async () => {
    for (const [count, limit] of [
      [10, 3],
      [2, 16],
      [5, 1],
    ] as const) {
      let running = 0;
      let most = 0;
      const items = Array.from({ length: count }, (_, i) => `item-${i}`);
      const results = await mapLimited(items, limit, async (item, index) => {
        running++;
        most = Math.max(most, running);
        await sleep(5 * ((count - index) % 3)); // finishing out of order
        running--;
        return `${item}@${index}`;
      });
      assert.deepEqual(
        results,
        items.map((item, i) => `${item}@${i}`),
      );
      assert.equal(most, Math.min(limit, count), `${count} items, limit ${limit}`);
    }
    let called = 0;
    assert.deepEqual(await mapLimited([], 4, () => called++), []);
    assert.equal(called, 0);
  });

  it('retryTransient tries again after a pause while the reader lacks resources, then lets the failure through', async () => {
    const emfile = () => new ReaderIoError('/r/f', 'EMFILE', 'EMFILE: too many open files');
    let calls = 0;
    assert.equal(
      await retryTransient(async () => {
        if (++calls < 3) throw emfile();
        return 'read';
      }),
      'read',
    );
    assert.equal(calls, 3);

    calls = 0;
    const started = Date.now();
    await assert.rejects(
      retryTransient(async () => {
        calls++;
        throw emfile();
      }),
      ReaderIoError,
    );
    assert.equal(calls, 7, 'six retries after the first try');
    // The pauses (25 + 50 + ... + 800 ms) only grow under load: a lower bound cannot flake.
    assert.ok(Date.now() - started >= 1575 - 5, `gave up after ${Date.now() - started} ms`);
  });

  it('retryTransient does not retry an I/O error or a problem of the file', async () => {
    for (const failure of [new ReaderIoError('/r/f', 'EIO', 'EIO: i/o error'), new Error('bad JSON')]) {
      let calls = 0;
      await assert.rejects(
        retryTransient(async () => {
          calls++;
          throw failure;
        }),
        (e: unknown) => e === failure,
      );
      assert.equal(calls, 1);
    }
  });
});
