/**
 * The integration index's window-reload bookkeeping (test/integration/suite/reload.ts): requests are
 * only taken where the runner named a state file, the state survives as a file (the host does not),
 * and the two passes' counts add up, an asked-for test that never ran counting as failed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clearReloadState,
  countsOfBothPasses,
  readReloadState,
  requestReload,
  takeReloadRequests,
  writeReloadState,
} from '../../integration/suite/reload';

describe('integration reload passes', () => {
  const saved = process.env['TRAINING_RUNS_TEST_RELOAD_STATE'];
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'reload-state-'));
    takeReloadRequests();
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['TRAINING_RUNS_TEST_RELOAD_STATE'];
    else process.env['TRAINING_RUNS_TEST_RELOAD_STATE'] = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes no request where the runner named no state file', () => {
    delete process.env['TRAINING_RUNS_TEST_RELOAD_STATE'];
    assert.equal(requestReload('after'), false);
    assert.deepEqual(takeReloadRequests(), []);
    assert.equal(readReloadState(), null);
  });

  it('keeps the first pass in the state file until the second clears it', () => {
    process.env['TRAINING_RUNS_TEST_RELOAD_STATE'] = join(dir, 'state.json');
    assert.equal(requestReload('a'), true);
    assert.equal(requestReload('b'), true);
    const requested = takeReloadRequests();
    assert.deepEqual(requested, ['a', 'b']);
    assert.deepEqual(takeReloadRequests(), [], 'taken once');
    assert.equal(readReloadState(), null, 'first pass: no state yet');
    writeReloadState({ counts: { passes: 3, failures: 0, pending: 1 }, requested });
    assert.deepEqual(readReloadState(), { counts: { passes: 3, failures: 0, pending: 1 }, requested });
    clearReloadState();
    assert.equal(readReloadState(), null);
  });

  it('adds both passes, counting an asked-for test that did not run as failed', () => {
    const before = { counts: { passes: 5, failures: 1, pending: 2 }, requested: ['a', 'b'] };
    assert.deepEqual(countsOfBothPasses(before, { passes: 2, failures: 0, pending: 0 }), {
      passes: 7,
      failures: 1,
      pending: 2,
    });
    assert.deepEqual(countsOfBothPasses(before, { passes: 1, failures: 0, pending: 0 }), {
      passes: 6,
      failures: 2,
      pending: 2,
    });
  });
});
