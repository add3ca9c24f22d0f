/**
 * A few trials of `npm run chaos` (scripts/chaos.mjs) on the freshly bundled trainer: SIGKILL at
 * random moments, mostly inside (deliberately slowed) saves, resume, and the checks the script makes (newest committed
 * checkpoint resumed, progress lost <= 2 x save_steps, nothing lost, no temp folder surviving the
 * next save, final weights equal to an uninterrupted run's). The script itself runs hundreds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainer, repo, trainerBundle } from './helpers';

describe('reliability: chaos (kill -9 at random moments, resume)', function () {
  this.timeout(480_000);

  it("4 trials, 2 rollback trials and 200 checkpoints under ulimit -n 1024: every check holds and the final weights equal the uninterrupted run's", async () => {
    await buildTrainer();
    const out = mkdtempSync(join(tmpdir(), 'chaos-test-'));
    try {
      const report = join(out, 'report.json');
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        // Slowed flushes (test-only preload, inherited by the trainers) so kills aimed at saves land inside them on any machine.
        const env = { ...process.env, NODE_OPTIONS: `--require ${join(__dirname, 'fixtures', 'slowSaves.cjs')}` };
        const child = spawn(
          process.execPath,
          [
            join(repo, 'scripts/chaos.mjs'),
            '--trials',
            '4',
            '--rollbacks',
            '2',
            '--many',
            '200',
            '--seed',
            '3',
            '--json',
            report,
            '--bundle',
            trainerBundle,
          ],
          { cwd: repo, env, stdio: ['ignore', 'ignore', 'pipe'] },
        );
        let err = '';
        child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
        child.on('error', reject);
        child.on('close', (c) => resolve({ code: c, stderr: err }));
      });
      const result = JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(result.violations, [], stderr);
      assert.equal(code, 0, stderr);
      assert.equal(result.trials, 4);
      assert.equal(result.kills, 4, 'every trial was killed');
      assert.ok((result.killsInsideSaves as number) >= 1, 'at least one kill landed inside a save');
      assert.equal(result.checkpointsLost, 0);
      assert.ok((result.maxProgressLost as number) <= 10);
      assert.equal(result.finalWeightsEqual, true);
      assert.equal(result.finalOptimizerEqual, true);
      const rollback = result.rollback as Record<string, number>;
      assert.equal(rollback.rollbacks, 2);
      assert.equal(rollback.indexListingMismatches, 0);
      assert.deepEqual(result.many, { ...(result.many as object), copies: 200, pickedNewest: true, skipped: 0 });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
