import assert from 'node:assert/strict';
import { checkpointResults } from '../../../bench/checkpointRows';

const flat = {
  bytes: 125_800_000,
  saveMs: 120,
  plainWriteFsyncMs: 100,
  saveCpuMs: 90,
  plainWriteFsyncCpuMs: 40,
  loadVerifyMs: 60,
  plainReadMs: 50,
  asyncSaveBlockingMs: 1.2,
  discoveryMs: 51,
  statAllMs: 50,
  discoveryCheckpoints: 10_000,
};

describe('checkpoint rows of npm run bench', () => {
  it('carries every row io.ts writes in `results`, whatever its name', () => {
    const rows = checkpointResults({
      ...flat,
      results: [
        { name: 'save', value: 120, unit: 'ms', reference: { name: 'write+fsync', value: 100 }, detail: '125.8 MB' },
        {
          name: 'background_save_step_slowdown',
          value: 11,
          unit: 'ms',
          reference: { name: 'step without a save', value: 10 },
          ratio: 1.1,
          detail: 'mlp steps',
        },
        { name: 'a_figure_added_later', value: 7, unit: 'MB/s', reference: null, detail: '' },
        { name: 'broken', value: null, detail: 'fsync failed' },
      ],
    });
    assert.deepEqual(
      rows.map((r) => r.name),
      ['save', 'background_save_step_slowdown', 'a_figure_added_later', 'broken'],
    );
    assert.ok(rows.every((r) => r.group === 'checkpoint'));
    assert.equal(rows[0]!.ratio, 1.2);
    assert.equal(rows[1]!.ratio, 1.1);
    assert.equal(rows[2]!.unit, 'MB/s');
    assert.equal(rows[3]!.value, null);
    assert.match(rows[3]!.detail, /fsync failed/);
  });

  it('maps the flat figures of io.ts to the documented names, with the slowdown when present', () => {
    const rows = checkpointResults({
      ...flat,
      backgroundSaveStepSlowdown: 1.25,
      stepMs: 8,
      stepDuringSaveMs: 10,
      stepsDuringSave: 12,
      stepWorkload: 'mlp',
    });
    assert.deepEqual(
      rows.map((r) => r.name),
      ['save', 'load_verify', 'async_save_blocking', 'discovery', 'background_save_step_slowdown'],
    );
    assert.equal(rows[0]!.ratio, 1.2);
    assert.match(rows[0]!.detail, /125\.8 MB; CPU time 90 vs 40 ms/);
    assert.deepEqual(rows[2]!.reference, { name: 'full save', value: 120 });
    // Documented in bench/README.md: the slowdown is the value (unit x), the step times in detail.
    assert.deepEqual([rows[4]!.value, rows[4]!.unit, rows[4]!.reference, rows[4]!.ratio], [1.25, 'x', null, null]);
    assert.match(rows[4]!.detail, /step 10\.00 ms during an async save vs 8\.00 ms without \(12 steps/);
    assert.deepEqual(
      checkpointResults(flat).map((r) => r.name),
      ['save', 'load_verify', 'async_save_blocking', 'discovery'],
    );
  });

  it('carries the listing figures when io.ts reports them, against the same stat of every file', () => {
    const rows = checkpointResults({
      ...flat,
      listingIndexedMs: 2,
      listingIndexedSequentialMs: 3,
      listingExactMs: 150,
    });
    assert.deepEqual(
      rows.map((r) => r.name),
      [
        'save',
        'load_verify',
        'async_save_blocking',
        'discovery',
        'listing_indexed',
        'listing_indexed_sequential',
        'listing_exact',
      ],
    );
    assert.deepEqual(
      rows.slice(4).map((r) => [r.value, r.reference?.value, r.ratio]),
      [
        [2, 50, 0.04],
        [3, 50, 0.06],
        [150, 50, 3],
      ],
    );
    assert.match(rows[4]!.detail, /10000 checkpoints, from the runs' listing indexes, every run at once/);
  });

  it('turns a missing flat figure or a failed slowdown into a null row with the reason', () => {
    const { discoveryMs: _dropped, ...withoutDiscovery } = flat;
    const rows = checkpointResults({
      ...withoutDiscovery,
      backgroundSaveStepSlowdown: null,
      stepWorkload: 'failed: no wasm',
    });
    const discovery = rows.find((r) => r.name === 'discovery')!;
    assert.equal(discovery.value, null);
    assert.match(discovery.detail, /discoveryMs/);
    const slowdown = rows.find((r) => r.name === 'background_save_step_slowdown')!;
    assert.equal(slowdown.value, null);
    assert.match(slowdown.detail, /no wasm/);
  });
});
