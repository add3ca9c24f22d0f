import assert from 'node:assert/strict';
import { activationResults, EXTENSION_IDS, type ActivationReport } from '../../../bench/extension/activationReport';

function launch(
  oursMs: number,
  referenceMs: number,
  options: { oursActive?: boolean; loadMs?: number | null } = {},
): ActivationReport {
  return {
    hostUptimeMs: 20_000,
    loadMs: options.loadMs === undefined ? 3 : options.loadMs,
    records: [
      { id: EXTENSION_IDS.warmup, wasActive: false, callMs: 9 },
      { id: EXTENSION_IDS.ours, wasActive: options.oursActive ?? false, callMs: oursMs },
      { id: EXTENSION_IDS.reference, wasActive: false, callMs: referenceMs },
    ],
  };
}

/** The same launch with the reference activated before Training Runs. */
function referenceFirst(report: ActivationReport): ActivationReport {
  const [warmup, ours, reference] = report.records;
  return { ...report, records: [warmup!, reference!, ours!] };
}

describe('extension activation rows', () => {
  it('reports medians of the cold launches against the empty extension of the same launches', () => {
    const [cold, load] = activationResults(
      [launch(100, 10), referenceFirst(launch(300, 30)), launch(200, 20)],
      'code-server 4.100.3',
    );
    assert.equal(cold!.name, 'activation');
    assert.equal(cold!.value, 200);
    assert.deepEqual(cold!.reference, { name: 'empty extension activation', value: 20 });
    assert.equal(cold!.ratio, 10);
    assert.match(cold!.detail, /median of 3 launch\(es\) of code-server 4\.100\.3/);
    assert.match(cold!.detail, /9 ms, not counted/);
    assert.match(cold!.detail, /before the reference in 2 of 3/);
    assert.equal(load!.name, 'module_load');
    assert.equal(load!.value, 3);
  });

  it('leaves out a launch where the extension was already active', () => {
    const [cold] = activationResults([launch(100, 10), launch(5, 10, { oursActive: true })], 'host');
    assert.equal(cold!.value, 100);
    assert.match(cold!.detail, /median of 1 launch/);
  });

  it('gives null rows with the reason when no launch was cold', () => {
    const rows = activationResults([launch(5, 10, { oursActive: true })], 'host');
    assert.deepEqual(
      rows.map((r) => r.value),
      [null, null],
    );
    assert.match(rows[0]!.detail, /already active/);
  });

  it('fails only module_load when the suite could not time the module load', () => {
    const [cold, load] = activationResults([launch(100, 10, { loadMs: null })], 'host');
    assert.equal(cold!.value, 100);
    assert.equal(load!.value, null);
    assert.match(load!.detail, /could not load/);
  });
});
