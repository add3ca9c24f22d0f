import assert from 'node:assert/strict';
import { perSave, scaleFailure, scaleResults, type ScaleReport } from '../../../bench/scale/scaleReport';

const report = (activationMs: number, openCpu: number, closedCpu: number): ScaleReport => ({
  runsListed: 1050,
  activationMs,
  runsListedMs: 2 * activationMs,
  rowsReadyMs: 3 * activationMs,
  listingCpuMs: 500,
  heapUsedMb: 60,
  heapDeltaMb: 20,
  rssMb: 200,
  saves: [
    { tree: 'open', saves: 20, hostCpuMs: openCpu, wallMs: 10_000, idleCpuMs: 100 },
    { tree: 'closed', saves: 20, hostCpuMs: closedCpu, wallMs: 10_000, idleCpuMs: 100 },
  ],
});

describe('scale rows of npm run bench', () => {
  it('takes the host CPU per save less what the idle host spent, never below zero', () => {
    assert.equal(perSave(report(100, 500, 300), 'open'), 20);
    assert.equal(perSave(report(100, 500, 50), 'closed'), 0);
    assert.equal(perSave({ ...report(100, 500, 300), saves: [] }, 'open'), undefined);
  });

  it('reports the medians of this checkout against the baseline commit measured in the same run', () => {
    const rows = scaleResults(
      { label: 'this checkout', reports: [report(100, 500, 300), report(300, 900, 300), report(200, 700, 300)] },
      { label: 'd8108d5', reports: [report(400, 2100, 1100)] },
      '1000 native runs',
    );
    const byName = new Map(rows.map((r) => [r.name, r]));
    assert.equal(byName.get('activation')?.value, 200);
    assert.equal(byName.get('activation')?.reference?.value, 400);
    assert.equal(byName.get('activation')?.ratio, 0.5);
    assert.equal(byName.get('host_cpu_per_save_tree_open')?.value, 30);
    assert.equal(byName.get('host_cpu_per_save_tree_open')?.reference?.value, 100);
    assert.equal(byName.get('host_cpu_per_save_tree_closed')?.reference?.value, 50);
    assert.match(byName.get('activation')?.detail ?? '', /1000 native runs; 3 launch\(es\) of this checkout/);
    assert.ok(rows.every((r) => r.group === 'scale'));
  });

  it('has no reference without a baseline, and keeps named rows with null values when nothing was measured', () => {
    const rows = scaleResults({ label: 'this checkout', reports: [report(100, 500, 300)] }, null, 'w');
    assert.ok(rows.every((r) => r.reference === null && r.ratio === null));
    const failed = scaleFailure('code-server is missing');
    assert.ok(failed.length > 0 && failed.every((r) => r.value === null && /code-server is missing/.test(r.detail)));
  });
});
