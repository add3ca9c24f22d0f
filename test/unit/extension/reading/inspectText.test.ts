/**
 * Inspect with every file hashed runs in a reader worker (issue 15): the document's JSON comes from
 * the worker with the checksums verified, a damaged file is named in it, the budget grows with the
 * checkpoint's size, a read can have a budget of its own, and a cancelled read ends its thread.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { checkpointBytes, inspectBudgetMs, inspectCheckpointText } from '../../../../src/extension/model/inspectText';
import { ReaderPool, ReadRefusedError } from '../../../../src/extension/reading/readerPool';
import { writePickleBombRun } from '../../../support/hostileRuns';
import { makeContent, managerOptions, withTempDir } from '../../core/checkpoint/helpers';
import { readerWorkerBundle } from './workerBundle';

describe('Inspect (--verify) in the reader workers', function () {
  this.timeout(120_000);
  let pools: ReaderPool[] = [];
  const pool = (budgetMs = 60_000): ReaderPool => {
    const p = new ReaderPool({ workerScript: readerWorkerBundle(), budgetMs: () => budgetMs });
    pools.push(p);
    return p;
  };
  afterEach(() => {
    for (const p of pools) p.dispose();
    pools = [];
  });

  it('gives a budget of the read budget plus hashing at 20 MB/s', () => {
    assert.equal(inspectBudgetMs(0, 2000), 2000);
    assert.equal(inspectBudgetMs(100 * 1024 * 1024, 2000), 7000);
  });

  it("answers the document's JSON with every checksum verified, and names a damaged file", async () => {
    await withTempDir(async (dir) => {
      await (
        await new CheckpointManager(dir, managerOptions()).save(makeContent(7))
      ).done;
      const checkpoint = join(dir, 'checkpoints', 'checkpoint-7');
      const p = pool();
      const text = (await p.run('inspectCheckpointText', [checkpoint])) as string;
      assert.equal(text, await inspectCheckpointText(checkpoint));
      const inspection = JSON.parse(text) as { valid: boolean; verified: boolean; problems: string[] };
      assert.deepEqual([inspection.valid, inspection.verified, inspection.problems], [true, true, []]);
      assert.ok((await checkpointBytes(checkpoint)) > 0);
      appendFileSync(join(checkpoint, 'model.safetensors'), Buffer.from([1]));
      const damaged = JSON.parse((await p.run('inspectCheckpointText', [checkpoint])) as string) as {
        valid: boolean;
        problems: string[];
      };
      assert.equal(damaged.valid, false);
      assert.match(damaged.problems.join('\n'), /model\.safetensors/);
    });
  });

  it("a read's own budget overrides the pool's, and a cancelled read ends its thread for a fresh one", async () => {
    await withTempDir(async (dir) => {
      writePickleBombRun(join(dir, 'bomb'));
      const p = pool(60_000);
      await assert.rejects(
        p.run('listHfCheckpoints', [join(dir, 'bomb')], { budgetMs: 300 }),
        (e: unknown) => e instanceof ReadRefusedError && e.reason === 'took longer than 300 ms',
      );
      const cancel = new AbortController();
      const read = p.run('listHfCheckpoints', [join(dir, 'bomb')], { signal: cancel.signal });
      setTimeout(() => cancel.abort(), 500);
      const t0 = performance.now();
      await assert.rejects(read, (e: unknown) => e instanceof ReadRefusedError && e.reason === 'cancelled');
      assert.ok(performance.now() - t0 < 5000, 'the cancelled read ran on');
      // The next read gets a fresh thread and answers.
      assert.equal(await p.run('isHfOutputDir', [dir]), false);
      await assert.rejects(
        p.run('isHfOutputDir', [dir], { signal: AbortSignal.abort() }),
        (e: unknown) => e instanceof ReadRefusedError && e.reason === 'cancelled',
      );
    });
  });
});
