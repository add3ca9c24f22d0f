/**
 * Disk errors on save, in a real trainer process: a preload (fixtures/failSaves.cjs, test-only)
 * makes the second save (step 10) fail like a full, locked or read-only disk. The checkpoint
 * before it stays intact, the temporary folder goes, the error is reported, and `on_save_error`
 * decides: `stop` (default) saves nothing more and exits 1 with the reason; `continue` keeps
 * training and saves again at the next save_steps.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateCheckpoint } from '../../../src/core/checkpoint';
import { assertOneLine, buildTrainer, cli, eventsOf, writeTinyConfig } from './helpers';

const preload = join(__dirname, 'fixtures', 'failSaves.cjs');
const cases = [
  { code: 'ENOSPC', at: 'open', asyncSave: false },
  { code: 'EACCES', at: 'mkdir', asyncSave: true },
  { code: 'EROFS', at: 'mkdir', asyncSave: false },
] as const;

describe('reliability: disk errors on save (real trainer, injected failures)', function () {
  this.timeout(60_000);
  let work = '';

  before(async () => {
    await buildTrainer();
    work = mkdtempSync(join(tmpdir(), 'disk-errors-'));
    writeTinyConfig(work);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const train = (out: string, fail: { code: string; at: string }, sets: string[]) =>
    cli(['train', '-t', 'tiny.yaml', '--json', '--set', `output_dir=${out}`, ...sets.flatMap((s) => ['--set', s])], {
      cwd: work,
      nodeArgs: ['--require', preload],
      env: { FAIL_SAVES: '2', FAIL_SAVE_CODE: fail.code, FAIL_SAVE_AT: fail.at },
    });

  for (const fail of cases) {
    it(`${fail.code} while ${fail.at === 'open' ? 'writing a file' : 'creating the folder'}${fail.asyncSave ? ' (async save)' : ''}, on_save_error: stop → exit 1, nothing more saved, step 5 intact`, async () => {
      const out = `stop-${fail.code}`;
      const r = await train(out, fail, [`async_save=${fail.asyncSave}`]);
      assert.equal(r.code, 1, r.stderr);
      const line = assertOneLine(r.stderr);
      assert.match(line, new RegExp(`^error: saving .*checkpoint-10 failed: ${fail.code}.*on_save_error: continue`));
      const failed = eventsOf(r.stdout, 'failed');
      assert.equal(failed.length, 1);
      assert.equal(failed[0]!.kind, 'runtime');
      assert.deepEqual(
        eventsOf(r.stdout, 'checkpoint_saved').map((e) => e.step),
        [5],
      );
      const dir = join(work, out, 'checkpoints');
      assert.deepEqual(
        readdirSync(dir).sort(),
        ['.index.json', '.save-counter', 'checkpoint-5'],
        'no temp folder, nothing after the failure',
      );
      const previous = await validateCheckpoint(join(dir, 'checkpoint-5'), { verifyChecksums: true });
      assert.deepEqual(previous.problems, []);
    });
  }

  it('ENOSPC with on_save_error: continue → warning naming the error, training goes on, the next saves succeed, exit 0', async () => {
    const out = 'continue';
    const r = await train(out, { code: 'ENOSPC', at: 'open' }, ['on_save_error=continue', 'async_save=true']);
    assert.equal(r.code, 0, r.stderr);
    const warnings = eventsOf(r.stdout, 'warning').filter((w) => w.code === 'save_failed');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /checkpoint-10 failed: ENOSPC.*training continues/);
    assert.deepEqual(
      eventsOf(r.stdout, 'checkpoint_saved').map((e) => e.step),
      [5, 15, 20],
    );
    assert.equal(eventsOf(r.stdout, 'finished')[0]?.step, 20);
    const dir = join(work, out, 'checkpoints');
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.startsWith('.tmp-')),
      [],
    );
    for (const name of ['checkpoint-5', 'checkpoint-15', 'checkpoint-20']) {
      assert.deepEqual((await validateCheckpoint(join(dir, name), { verifyChecksums: true })).problems, [], name);
    }
  });
});
