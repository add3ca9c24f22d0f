/**
 * The tree's checkpoint-details cache: a read refused for the machine's load (time budget, a reader
 * thread that died) is read again on the next expand; a refusal caused by the files is kept until
 * the checkpoint changes; a readable checkpoint is read once per mtime.
 */
import assert from 'node:assert/strict';
import { ReadRefusedError } from '../../../src/extension/reading/readerPool';
import { CheckpointDetailsCache } from '../../../src/extension/tree/checkpointDetailsCache';

/** A loader that reports `errors[i]` (or nothing) on its i-th call and counts its calls. */
function loader(errors: Array<unknown | undefined>) {
  let calls = 0;
  const load = async (refused: (err: unknown) => void): Promise<string> => {
    const err = errors[calls++];
    if (err !== undefined) refused(err);
    return err === undefined ? 'details' : `unreadable: ${(err as Error).message}`;
  };
  return { load, calls: () => calls };
}

describe('checkpoint details cache', () => {
  it('reads a refusal by load again on the next expand, and keeps the answer once it reads', async () => {
    const cache = new CheckpointDetailsCache<string>();
    for (const reason of ['took longer than 2 s', 'its reader thread exited (code 1)', 'cancelled']) {
      const l = loader([new ReadRefusedError('loadCheckpointDetails', reason)]);
      const path = `/runs/a/checkpoint-${reason.length}`;
      assert.equal(await cache.get(path, 1, l.load), `unreadable: ${reason}`);
      assert.equal(await cache.get(path, 1, l.load), 'details');
      assert.equal(await cache.get(path, 1, l.load), 'details');
      assert.equal(l.calls(), 2, reason);
    }
  });

  it('keeps a refusal caused by the files until the checkpoint changes', async () => {
    const cache = new CheckpointDetailsCache<string>();
    const contentErrors = [
      new ReadRefusedError('loadCheckpointDetails', 'needed more than 512 MB of memory', false),
      new Error('/runs/a/checkpoint-1/model.safetensors: header length 3000000000 exceeds the file'),
    ];
    for (const err of contentErrors) {
      const l = loader([err, err]);
      assert.match(await cache.get(err.message, 1, l.load), /^unreadable: /);
      assert.match(await cache.get(err.message, 1, l.load), /^unreadable: /);
      assert.equal(l.calls(), 1, err.message);
      // A new mtime (the files changed) reads again.
      await cache.get(err.message, 2, l.load);
      assert.equal(l.calls(), 2);
    }
  });

  it('a load refusal among several parts keeps the whole value uncached', async () => {
    const cache = new CheckpointDetailsCache<string>();
    let calls = 0;
    const load = async (refused: (err: unknown) => void) => {
      calls++;
      refused(new Error('trainer_state.json: not valid JSON'));
      if (calls === 1) refused(new ReadRefusedError('readSafetensorsHeader', 'took longer than 2 s'));
      return `call ${calls}`;
    };
    assert.equal(await cache.get('/c', 5, load), 'call 1');
    assert.equal(await cache.get('/c', 5, load), 'call 2');
    assert.equal(await cache.get('/c', 5, load), 'call 2');
  });
});
