import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectHfCheckpoint, isHfCheckpointFolder, listHfCheckpoints } from '../../../../src/core/hf';
import { copyRun } from './copies';
import { loadHfFixtures, type HfFixtures } from './fixtures';

describe('validation of damaged copies of PyTorch-written Hugging Face checkpoints', function () {
  let fx: HfFixtures;

  before(async function () {
    this.timeout(300_000);
    const loaded = await loadHfFixtures();
    if ('skipped' in loaded) {
      console.log(`    (skipping Hugging Face validation tests: ${loaded.skipped})`);
      this.skip();
    }
    fx = loaded as HfFixtures;
  });

  it('a sharded index that lists a deleted shard', async () => {
    const copy = copyRun(fx.runs.sgd_sharded.dir, 'checkpoint-4');
    const path = copy.checkpoint('checkpoint-4');
    const shards = readdirSync(path)
      .filter((n) => /^model-\d+-of-\d+\.safetensors$/.test(n))
      .sort();
    assert.ok(shards.length >= 2, `expected several shards, got ${shards.join(', ')}`);
    rmSync(join(path, shards[1]!));
    const info = await inspectHfCheckpoint(path);
    assert.equal(info.valid, false);
    assert.deepEqual(info.problems, [
      `${join(path, 'model.safetensors.index.json')}: lists shard ${shards[1]}, which is missing`,
    ]);
  });

  it('no trainer_state.json: still listed (by its other files), invalid, and not the latest', async () => {
    const copy = copyRun(fx.runs.adamw.dir);
    rmSync(join(copy.checkpoint('checkpoint-6'), 'trainer_state.json'));
    const rows = await listHfCheckpoints(copy.outputDir);
    const broken = rows.find((r) => r.name === 'checkpoint-6')!;
    assert.equal(broken.valid, false);
    assert.match(broken.problems[0]!, /checkpoint-6[\\/]trainer_state\.json: missing/);
    assert.equal(broken.step, 6, 'the step still comes from the folder name');
    assert.deepEqual(
      rows.filter((r) => r.latest).map((r) => r.name),
      ['checkpoint-4'],
    );
  });

  it('truncated optimizer.pt and model.safetensors, and an empty scheduler.pt, each named', async () => {
    const copy = copyRun(fx.runs.adamw.dir, 'checkpoint-2');
    const path = copy.checkpoint('checkpoint-2');
    const optimizer = join(path, 'optimizer.pt');
    const weights = join(path, 'model.safetensors');
    truncateSync(optimizer, Math.floor(statSync(optimizer).size / 2));
    truncateSync(weights, statSync(weights).size - 16);
    truncateSync(join(path, 'scheduler.pt'), 0);
    const info = await inspectHfCheckpoint(path);
    assert.equal(info.valid, false);
    const problems = info.problems.join('\n');
    assert.match(problems, /optimizer\.pt: no zip end-of-central-directory record \(truncated/);
    assert.match(problems, /model\.safetensors: truncated \(tensors need \d+ bytes, file has \d+\)/);
    assert.match(problems, /scheduler\.pt: empty \(0 bytes\)/);
    assert.equal(info.optimizer, null);
    assert.match(info.unread.join('\n'), /optimizer\.pt not read: .*optimizer\.pt/);
  });

  it('no weights, and a missing rank RNG file', async () => {
    const copy = copyRun(fx.runs.adamw.dir, 'checkpoint-2');
    const path = copy.checkpoint('checkpoint-2');
    rmSync(join(path, 'model.safetensors'));
    rmSync(join(path, 'rng_state_0.pth'));
    const info = await inspectHfCheckpoint(path);
    assert.deepEqual(info.problems, [
      `${path}: no weights (expected model.safetensors, model.safetensors.index.json with its shards, or pytorch_model.bin)`,
      `${path}: rng_state_0.pth missing (RNG files for ranks 0..1 expected)`,
    ]);
    assert.equal(info.rngFiles, 1);
  });

  it('ignores tmp-checkpoint-* folders mid-save and native checkpoints (with manifest.json)', async () => {
    const copy = copyRun(fx.runs.adamw.dir, 'checkpoint-2');
    mkdirSync(join(copy.outputDir, 'tmp-checkpoint-4'));
    writeFileSync(join(copy.outputDir, 'tmp-checkpoint-4', 'rng_state_0.pth'), 'x');
    mkdirSync(join(copy.outputDir, 'checkpoint-9'));
    writeFileSync(join(copy.outputDir, 'checkpoint-9', 'manifest.json'), '{}');
    writeFileSync(join(copy.outputDir, 'checkpoint-9', 'trainer_state.json'), '{}');
    assert.deepEqual(
      (await listHfCheckpoints(copy.outputDir)).map((r) => r.name),
      ['checkpoint-2'],
    );
    assert.equal(await isHfCheckpointFolder(join(copy.outputDir, 'checkpoint-9')), false);
    await assert.rejects(
      inspectHfCheckpoint(join(copy.outputDir, 'checkpoint-9')),
      /checkpoint-9: not a Hugging Face checkpoint/,
    );
  });

  it('a trainer_state.json with a wrong field names the file and the field', async () => {
    const copy = copyRun(fx.runs.adamw.dir, 'checkpoint-2');
    const path = copy.checkpoint('checkpoint-2');
    writeFileSync(join(path, 'trainer_state.json'), JSON.stringify({ global_step: 'two', log_history: [] }));
    const info = await inspectHfCheckpoint(path);
    assert.equal(info.valid, false);
    assert.match(info.problems[0]!, /checkpoint-2[\\/]trainer_state\.json: field "global_step": /);
  });
});
