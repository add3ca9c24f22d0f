/**
 * Hostile resumes and output folders through the real command line: a checkpoint whose files are
 * intact (checksums match) yet inconsistent is passed over by `resume_from_checkpoint: true`; bad
 * output folders, a lock path that is a folder and an unusable data position exit 2 with one line.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from '../../../src/core/checkpoint';
import { assertOneLine, buildTrainer, cli, eventsOf, writeTinyConfig } from './helpers';

/** Writes `bytes` as `file` of a checkpoint and updates its manifest entry to match (checksums cannot tell). */
function rewriteVerified(checkpoint: string, file: string, bytes: Buffer): void {
  writeFileSync(join(checkpoint, file), bytes);
  const manifest = JSON.parse(readFileSync(join(checkpoint, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; size: number; checksum: string }>;
  };
  const entry = manifest.files.find((f) => f.path === file)!;
  entry.size = bytes.length;
  entry.checksum = crc32(bytes).toString(16).padStart(8, '0');
  writeFileSync(join(checkpoint, 'manifest.json'), JSON.stringify(manifest, null, 2));
}

const trainerState = (c: string) =>
  JSON.parse(readFileSync(join(c, 'trainer_state.json'), 'utf8')) as Record<string, unknown>;

describe('reliability: hostile resumes and output folders (real command line)', function () {
  this.timeout(120_000);
  let work = '';
  let copies = 0;
  /** A copy of the pristine run (checkpoints 5..20), its checkpoint-20 changed by `damage`. */
  const damagedCopy = (damage: (checkpoint: string) => void): string => {
    const run = `case-${copies++}`;
    cpSync(join(work, 'pristine'), join(work, run), { recursive: true, preserveTimestamps: true });
    damage(join(work, run, 'checkpoints', 'checkpoint-20'));
    return run;
  };

  before(async () => {
    await buildTrainer();
    work = mkdtempSync(join(tmpdir(), 'hostile-'));
    writeTinyConfig(work);
    const r = await cli(['train', '-t', 'tiny.yaml', '--json', '--set', 'output_dir=pristine'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const inconsistent: Array<[string, RegExp, (c: string) => void]> = [
    [
      'trainer_state.json says global_step 5 in checkpoint-20',
      /trainer_state\.json: global_step 5 disagrees with the checkpoint's step 20/,
      (c) =>
        rewriteVerified(c, 'trainer_state.json', Buffer.from(JSON.stringify({ ...trainerState(c), global_step: 5 }))),
    ],
    [
      'model.safetensors is malformed under a matching checksum',
      /model\.safetensors/,
      (c) => rewriteVerified(c, 'model.safetensors', Buffer.from('\x08\x00\x00\x00\x00\x00\x00\x00{"x":1} ')),
    ],
  ];
  for (const [name, reason, damage] of inconsistent) {
    it(`${name}: resume=true falls back to checkpoint-15 and says why`, async () => {
      const run = damagedCopy(damage);
      const started = performance.now();
      const auto = await cli(
        [
          'train',
          '-t',
          'tiny.yaml',
          '--json',
          '--set',
          `output_dir=${run}`,
          '--set',
          'resume_from_checkpoint=true',
          '--set',
          'max_steps=20',
        ],
        { cwd: work },
      );
      assert.equal(auto.code, 0, auto.stderr);
      const resumed = eventsOf(auto.stdout, 'resumed');
      assert.equal(resumed[0]?.step, 15);
      assert.match(resumed[0]!.skipped.map((s) => s.reason).join('; '), reason);
      process.stdout.write(
        `      [measure] ${name}: resumed from 15 after ${Math.round(performance.now() - started)} ms (whole trainer run)\n`,
      );
    });
  }

  it('an unusable data position: exit 2, one line naming data_position', async () => {
    const run = damagedCopy((c) =>
      rewriteVerified(
        c,
        'trainer_state.json',
        Buffer.from(JSON.stringify({ ...trainerState(c), data_position: { epoch: 0, index: -5 } })),
      ),
    );
    const r = await cli(
      ['train', '-t', 'tiny.yaml', '--set', `output_dir=${run}`, '--set', 'resume_from_checkpoint=checkpoint-20'],
      { cwd: work },
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      assertOneLine(r.stderr),
      /^error: the checkpoint's trainer_state\.json data_position cannot be used: invalid data position/,
    );
  });

  it('output_dir a file, /dev/null, or a lock path that is a folder: exit 2, one line', async () => {
    writeFileSync(join(work, 'a-file'), 'x');
    mkdirSync(join(work, 'locked', '.lock'), { recursive: true });
    const cases: Array<[string, RegExp]> = [
      ['a-file', /^error: output_dir .*a-file cannot be used: it is not a folder/],
      ['/dev/null', /^error: output_dir \/dev\/null cannot be used: it is not a folder/],
      ['locked', /^error: .*locked[\\/]\.lock is a folder, not a lock file: remove it/],
    ];
    for (const [outputDir, message] of cases) {
      const r = await cli(['train', '-t', 'tiny.yaml', '--set', `output_dir=${outputDir}`], { cwd: work });
      assert.equal(r.code, 2, `${outputDir}: ${r.stderr}`);
      assert.match(assertOneLine(r.stderr), message);
    }
  });

  it('prune-optimizer removes the optimizer state on purpose; the checkpoint stays valid and latest', async () => {
    const run = damagedCopy(() => undefined);
    const checkpoint = join(work, run, 'checkpoints', 'checkpoint-20');
    const pruned = await cli(['prune-optimizer', checkpoint, '--json'], { cwd: work });
    assert.equal(pruned.code, 0, pruned.stderr);
    assert.deepEqual(JSON.parse(pruned.stdout).removed, ['optimizer.safetensors', 'optimizer.json']);
    const listed = await cli(['checkpoints', run, '--json', '--verify'], { cwd: work });
    const rows = JSON.parse(listed.stdout) as Array<{ name: string; valid: boolean; latest: boolean }>;
    assert.deepEqual(rows.find((r) => r.latest)?.name, 'checkpoint-20');
    const missing = await cli(['prune-optimizer', join(work, 'no-such-checkpoint')], { cwd: work });
    assert.equal(missing.code, 2);
    assert.match(assertOneLine(missing.stderr), /^error: .*no-such-checkpoint is not a valid checkpoint/);
  });
});
