// End to end in a real host (code-server + Chromium, ~10-20 s): the bench stages Training Runs and
// two empty extensions in one folder, the runner loads all three, and the bench suite times both
// activations. Fails if the runner loads one extension only, or the suite's report does not arrive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureDist } from '../../../bench/distBuild';
import { measureActivation } from '../../../bench/extension/activation';

const repoRoot = resolve(__dirname, '../../..');

describe('bench: extension activation in a real host', function () {
  this.timeout(300_000);

  it('times the cold activation of Training Runs and of the empty reference extension', async () => {
    const setup = spawnSync(process.execPath, [join(repoRoot, 'scripts/setup-test-host.mjs')], { encoding: 'utf8' });
    assert.equal(setup.status, 0, `setup-test-host failed:\n${setup.stdout}${setup.stderr}`);
    assert.equal(ensureDist(repoRoot, true), null);
    const [cold, inside] = await measureActivation({ repoRoot, launches: 1, timeoutMs: 180_000, settleMs: 0 });
    assert.ok(cold!.value !== null && cold!.value > 0, cold!.detail);
    assert.ok(cold!.reference !== null && cold!.reference.value > 0, cold!.detail);
    assert.ok(inside!.value !== null && inside!.value >= 0, inside!.detail);
    // activate() is part of the whole activate call, which also loads the bundle.
    assert.ok(inside!.value! < cold!.value!, `${inside!.value} vs ${cold!.value}`);
  });
});
