/**
 * `backends --json` end to end: the trainer CLI run as the extension runs it, parsed by the
 * extension's query, and turned into quick-pick rows.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { deviceChoices, queryAvailableBackends } from '../../../src/extension/commands/availableBackends';

const repo = join(__dirname, '../../..');
const launch = {
  execPath: process.execPath,
  script: join(repo, 'src/trainer/cli/main.ts'),
  cwd: repo,
  env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import tsx`.trim() },
};

describe('trainer backends --json, as the extension asks for it', function () {
  this.timeout(60_000);

  it('lists every backend in auto order with availability and a reason; wasm and cpu work everywhere', async () => {
    const report = await queryAvailableBackends(launch);
    assert.deepEqual(
      report.backends.map((b) => b.name),
      ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'],
    );
    for (const b of report.backends) assert.ok(b.reason.length > 0, `${b.name} has a reason`);
    assert.ok(report.backends.find((b) => b.name === 'cpu')!.available);
    assert.ok(report.backends.find((b) => b.name === 'wasm')!.available);
    // A backend on a software (CPU) adapter is listed as available but never what auto picks.
    assert.equal(report.auto, report.backends.find((b) => b.available && !b.software)!.name);

    const rows = deviceChoices(report);
    assert.equal(rows[0]!.device, '');
    assert.deepEqual(
      rows.slice(1).map((r) => r.device),
      report.backends.map((b) => b.name),
    );
    assert.match(rows.find((r) => r.device === 'cpu')!.label, /\$\(check\) cpu/);
  });

  it('a trainer that cannot answer is a clear error, not a hang', async () => {
    await assert.rejects(
      queryAvailableBackends({ ...launch, script: join(repo, 'no-such-trainer.js') }, 20_000),
      /the trainer could not list its backends/,
    );
  });
});
