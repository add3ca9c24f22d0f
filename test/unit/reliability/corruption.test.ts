/**
 * Corrupted checkpoints through the real command line. One run saves checkpoints 5..20; each case
 * damages a copy's newest checkpoint (checkpoint-20) one way. Then: `checkpoints --verify` reports it
 * invalid with a reason naming the file; `resume_from_checkpoint: true` falls back to checkpoint-15
 * and says why; the explicit path fails with exit code 2 and the reason on one line.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CheckpointInfo, crc32 } from '../../../src/core/checkpoint';
import { assertOneLine, buildTrainer, cli, eventsOf, writeTinyConfig } from './helpers';

interface Damage {
  name: string;
  /** The file the reason must name. */
  file: string;
  damage(checkpoint: string): void;
}

const manifestOf = (checkpoint: string) =>
  JSON.parse(readFileSync(join(checkpoint, 'manifest.json'), 'utf8')) as {
    files: Array<{ path: string; size: number }>;
  };

const damages: Damage[] = [
  {
    name: 'a truncated tensor file',
    file: 'model.safetensors',
    damage: (c) => truncateSync(join(c, 'model.safetensors'), 100),
  },
  {
    name: 'a flipped byte',
    file: 'model.safetensors',
    damage: (c) => {
      const bytes = readFileSync(join(c, 'model.safetensors'));
      bytes[bytes.length - 3]! ^= 0x40;
      writeFileSync(join(c, 'model.safetensors'), bytes);
    },
  },
  { name: 'a missing manifest', file: 'manifest.json', damage: (c) => unlinkSync(join(c, 'manifest.json')) },
  {
    name: 'a missing optimizer file',
    file: 'optimizer.safetensors',
    damage: (c) => unlinkSync(join(c, 'optimizer.safetensors')),
  },
  {
    name: 'malformed JSON in the manifest',
    file: 'manifest.json',
    damage: (c) => writeFileSync(join(c, 'manifest.json'), readFileSync(join(c, 'manifest.json'), 'utf8').slice(0, 80)),
  },
  {
    name: 'malformed JSON in trainer_state.json',
    file: 'trainer_state.json',
    damage: (c) => {
      const text = readFileSync(join(c, 'trainer_state.json'), 'utf8');
      writeFileSync(join(c, 'trainer_state.json'), `{${text.slice(1).replace(/"/, "'")}`);
    },
  },
  {
    // Checksums cannot tell: the bytes are the ones the manifest lists, they just do not parse.
    name: 'malformed JSON in trainer_state.json under a manifest that matches it',
    file: 'trainer_state.json',
    damage: (c) => {
      const bad = Buffer.from('{"global_step": 20,');
      writeFileSync(join(c, 'trainer_state.json'), bad);
      const manifest = manifestOf(c) as { files: Array<{ path: string; size: number; checksum: string }> };
      const entry = manifest.files.find((f) => f.path === 'trainer_state.json')!;
      entry.size = bad.length;
      entry.checksum = crc32(bad).toString(16).padStart(8, '0');
      writeFileSync(join(c, 'manifest.json'), JSON.stringify(manifest, null, 2));
    },
  },
  {
    name: 'a manifest that lies about sizes',
    file: 'optimizer.json',
    damage: (c) => {
      const manifest = manifestOf(c);
      const entry = manifest.files.find((f) => f.path === 'optimizer.json')!;
      entry.size += 7;
      writeFileSync(join(c, 'manifest.json'), JSON.stringify(manifest, null, 2));
    },
  },
];

describe('reliability: corrupted checkpoints (real command line)', function () {
  this.timeout(60_000);
  let work = '';

  before(async () => {
    await buildTrainer();
    work = mkdtempSync(join(tmpdir(), 'corruption-'));
    writeTinyConfig(work);
    const r = await cli(['train', '-t', 'tiny.yaml', '--json', '--set', 'output_dir=pristine'], { cwd: work });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      eventsOf(r.stdout, 'checkpoint_saved').map((e) => e.step),
      [5, 10, 15, 20],
    );
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  for (const [index, d] of damages.entries()) {
    it(`${d.name}: listed invalid naming ${d.file}; automatic resume falls back to step 15; the explicit path is exit 2`, async () => {
      const run = `case-${index}`;
      cpSync(join(work, 'pristine'), join(work, run), { recursive: true, preserveTimestamps: true });
      const damaged = join(work, run, 'checkpoints', 'checkpoint-20');
      d.damage(damaged);
      const fileRe = new RegExp(`checkpoint-20[\\\\/]${d.file.replace('.', '\\.')}`);

      const listed = await cli(['checkpoints', run, '--json', '--verify'], { cwd: work });
      assert.equal(listed.code, 0, listed.stderr);
      const rows = JSON.parse(listed.stdout) as CheckpointInfo[];
      const row = rows.find((r) => r.name === 'checkpoint-20')!;
      assert.equal(row.valid, false);
      assert.match(row.problems.join('; '), fileRe);
      assert.equal(rows.find((r) => r.latest)?.name, 'checkpoint-15');

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
          'max_steps=25',
        ],
        { cwd: work },
      );
      assert.equal(auto.code, 0, auto.stderr);
      const resumed = eventsOf(auto.stdout, 'resumed');
      assert.equal(resumed.length, 1);
      assert.equal(resumed[0]!.step, 15);
      assert.match(
        resumed[0]!.skipped.map((s) => s.reason).join('; '),
        fileRe,
        'the resume says why checkpoint-20 was passed over',
      );
      assert.equal(eventsOf(auto.stdout, 'finished')[0]?.step, 25);

      cpSync(join(work, 'pristine'), join(work, `${run}-explicit`), { recursive: true, preserveTimestamps: true });
      d.damage(join(work, `${run}-explicit`, 'checkpoints', 'checkpoint-20'));
      const explicit = await cli(
        [
          'train',
          '-t',
          'tiny.yaml',
          '--set',
          `output_dir=${run}-explicit`,
          '--set',
          'resume_from_checkpoint=checkpoint-20',
        ],
        { cwd: work },
      );
      assert.equal(explicit.code, 2, explicit.stderr);
      const line = assertOneLine(explicit.stderr);
      assert.match(line, /^error: /);
      assert.match(line, fileRe);
    });
  }
});
