import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import optionalNative from '../../../../scripts/optional-native.json';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { encodeSafetensors } from '../../../../src/core/checkpoint/safetensors';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { pickleOf, torchArchive } from '../../core/hf/zipWriter';
import { makeContent, managerOptions, setCheckpointTime, withTempDir } from '../../core/checkpoint/helpers';

const root = resolve(__dirname, '../../../..');
let bundleDir = '';
let bundle = '';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function runWithCheckpoints(dir: string): Promise<void> {
  const manager = new CheckpointManager(dir, managerOptions());
  for (const [i, step] of [300, 100, 200].entries()) {
    const pending = await manager.save(makeContent(step));
    await pending.done;
    await setCheckpointTime(pending.path, i);
  }
}

describe('command line', function () {
  this.timeout(30_000);

  // The CLI is bundled once, as scripts/build.mjs does (train kept external), and each case spawns
  // plain node: starting tsx per spawn cost ~2 s on a shared 2-core machine.
  before(async function () {
    this.timeout(60_000);
    bundleDir = await mkdtemp(join(tmpdir(), 'cli-test-'));
    bundle = join(bundleDir, 'trainer.js');
    await build({
      entryPoints: [join(root, 'src/trainer/cli/main.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: optionalNative,
      logLevel: 'error',
      plugins: [
        {
          name: 'train-external',
          setup: (b) => b.onResolve({ filter: /\/trainCommand(\.js)?$/ }, (a) => ({ path: a.path, external: true })),
        },
      ],
    });
  });

  after(async () => {
    await rm(bundleDir, { recursive: true, force: true });
  });

  it('checkpoints DIR --json prints the rows newest first with exactly one latest', async () => {
    await withTempDir(async (dir) => {
      await runWithCheckpoints(dir);
      const { code, stdout, stderr } = await cli(['checkpoints', dir, '--json']);
      assert.equal(stderr, '');
      assert.equal(code, 0);
      const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
      assert.deepEqual(
        rows.map((r) => [r.name, r.step, r.valid, r.latest]),
        [
          ['checkpoint-200', 200, true, true],
          ['checkpoint-100', 100, true, false],
          ['checkpoint-300', 300, true, false],
        ],
      );
      assert.deepEqual(Object.keys(rows[0]!), [
        'path',
        'name',
        'step',
        'mtimeMs',
        'valid',
        'latest',
        'problems',
        'optimizer',
        'scheduler',
        'trainer',
      ]);
      assert.deepEqual((rows[0]!.optimizer as { slotKinds: string[] }).slotKinds, ['m', 'v']);
    });
  });

  it('checkpoints DIR prints a table; a missing DIR is exit 2 with one line', async () => {
    await withTempDir(async (dir) => {
      await runWithCheckpoints(join(dir, 'run'));
      const table = await cli(['checkpoints', join(dir, 'run', 'checkpoints')]);
      assert.equal(table.code, 0);
      const lines = table.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 4);
      assert.match(lines[0]!, /^latest\s+name\s+step\s+modified\s+valid\s+optimizer\s+scheduler/);
      assert.match(lines[1]!, /^\*\s+checkpoint-200\s+200\s+2026-01-01 00:00:02Z\s+yes\s+adam @200\s+cosine/);
      const missing = await cli(['checkpoints', join(dir, 'nope')]);
      assert.equal(missing.code, 2);
      assert.equal(missing.stdout, '');
      assert.equal(
        missing.stderr,
        `error: checkpoints: ${join(dir, 'nope')} is not a folder (give a run's output folder or its checkpoints/ folder)\n`,
      );
    });
  });

  it('checkpoints DIR on a Hugging Face Trainer output folder lists its checkpoints, not "save never completed"', async () => {
    await withTempDir(async (dir) => {
      for (const step of [10, 20]) {
        const folder = join(dir, `checkpoint-${step}`);
        await mkdir(folder);
        await writeFile(
          join(folder, 'trainer_state.json'),
          JSON.stringify({ global_step: step, log_history: [{ step, loss: 0.5 }] }),
        );
        await writeFile(
          join(folder, 'model.safetensors'),
          Buffer.concat(encodeSafetensors({ w: { dtype: 'float32', shape: [1], data: new Float32Array([1]) } })),
        );
        await writeFile(join(folder, 'rng_state.pth'), torchArchive(pickleOf([0x7d])));
      }
      const { code, stdout, stderr } = await cli(['checkpoints', dir, '--json']);
      assert.equal(code, 0, stderr);
      const rows = JSON.parse(stdout) as Array<{ name: string; valid: boolean; format: string; problems: string[] }>;
      assert.deepEqual(rows.map((r) => [r.name, r.valid, r.format]).sort(), [
        ['checkpoint-10', true, 'huggingface'],
        ['checkpoint-20', true, 'huggingface'],
      ]);
      const table = await cli(['checkpoints', dir]);
      assert.doesNotMatch(table.stdout, /never completed/);
      const validation = await validateCheckpoint(join(dir, 'checkpoint-10'));
      assert.match(
        validation.problems[0]!,
        /checkpoint-10: a Hugging Face Trainer checkpoint \(trainer_state\.json, no manifest\.json\), not one this trainer wrote/,
      );
    });
  });

  it('inspect --json --verify reports a corrupt file with exit 2; a sound one exits 0', async () => {
    await withTempDir(async (dir) => {
      await runWithCheckpoints(dir);
      const good = join(dir, 'checkpoints', 'checkpoint-200');
      const ok = await cli(['inspect', good, '--json', '--verify']);
      assert.equal(ok.code, 0, ok.stderr);
      const report = JSON.parse(ok.stdout);
      assert.equal(report.valid, true);
      assert.equal(report.model.parameters, 9);
      assert.deepEqual(report.optimizer.slots[0], {
        name: 'dense/kernel/m',
        variable: 'dense/kernel',
        slot: 'm',
        dtype: 'float32',
        shape: [3, 2],
      });
      assert.equal(report.optimizer.iterations, 200);
      assert.equal(report.trainerState.global_step, 200);

      const handle = await open(join(good, 'model.safetensors'), 'r+');
      await handle.write(Buffer.from([0xff]), 0, 1, (await handle.stat()).size - 1);
      await handle.close();
      const bad = await cli(['inspect', good, '--verify']);
      assert.equal(bad.code, 2);
      assert.match(bad.stdout, /valid: NO \(checksums verified\)/);
      assert.equal(
        bad.stderr,
        `error: inspect: ${good} is not a valid checkpoint: ${join(good, 'model.safetensors')}: crc32 checksum mismatch (file is corrupt)\n`,
      );
    });
  });

  it('bad usage exits 2 with a one-line reason; --version and --help exit 0', async () => {
    const unknownFlag = await cli(['checkpoints', '.', '--jsn']);
    assert.equal(unknownFlag.code, 2);
    assert.match(unknownFlag.stderr, /^error: checkpoints: Unknown option '--jsn'[^\n]*\n$/);
    const noDir = await cli(['inspect']);
    assert.equal(noDir.code, 2);
    assert.equal(noDir.stderr, 'error: inspect: missing CHECKPOINT (usage: inspect CHECKPOINT [options])\n');
    const unknownCommand = await cli(['frobnicate']);
    assert.equal(unknownCommand.code, 2);
    assert.match(unknownCommand.stderr, /^error: unknown command "frobnicate"/);
    const version = await cli(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout, `${require(join(root, 'package.json')).version}\n`);
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /checkpoints DIR \[--json\]/);
  });
});
