import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkRankFiles, examineFolder, isHfCheckpointFolder } from '../../../../src/core/hf/checkpointFolder';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { useTempDir } from '../hostile/hostileFiles';
import {
  safetensorsBytes,
  tensorsHeader,
  torchFile,
  trainerStateText,
  validFiles,
  weightsFile,
  writeCheckpoint,
  type FolderFiles,
} from './handMade';

const names = (files: Array<{ name: string }>) => files.map((f) => f.name);

describe('hf: one checkpoint folder, inventoried and validated (hand-made folders)', () => {
  const dir = useTempDir('hf-folder');

  it('inventories every file in name order, leaves sub-folders out, and finds nothing wrong in a complete save', async () => {
    // Written out of order, so that the directory's own order is not already sorted (nor reversed).
    const files: FolderFiles = {
      'scheduler.pt': torchFile(),
      'config.json': '{}',
      'trainer_state.json': trainerStateText(5),
      'rng_state.pth': torchFile(),
      'model.safetensors': weightsFile([8, 16]),
      'training_args.bin': torchFile(),
      'optimizer.pt': torchFile(),
      'generation_config.json': '{}',
    };
    const path = writeCheckpoint(dir(), 'checkpoint-5', files, 1_700_000_000);
    mkdirSync(join(path, 'global_step5')); // DeepSpeed's own folder inside the checkpoint
    writeFileSync(join(path, 'global_step5', 'mp_rank_00_model_states.pt'), 'x');
    const report = await examineFolder(path);
    assert.deepEqual(report.problems, []);
    assert.equal(report.valid, true);
    assert.deepEqual([report.name, report.step, report.trainerState?.global_step], ['checkpoint-5', 5, 5]);
    assert.equal(report.mtimeMs, 1_700_000_000_000);
    assert.deepEqual(names(report.files.all), Object.keys(files).sort());
    assert.equal(report.files.all.find((f) => f.name === 'model.safetensors')?.size, weightsFile([8, 16]).length);
    assert.deepEqual([report.files.weightsKind, names(report.files.weights)], ['safetensors', ['model.safetensors']]);
    assert.deepEqual(
      [report.files.optimizer?.name, report.files.scheduler?.name, report.files.scaler, names(report.files.rng)],
      ['optimizer.pt', 'scheduler.pt', null, ['rng_state.pth']],
    );
  });

  it('orders RNG files by rank, not by name, with a single-process rng_state.pth first', async () => {
    const files: FolderFiles = { 'trainer_state.json': trainerStateText(3), 'pytorch_model.bin': torchFile() };
    for (const rank of [10, 2, 7, 0, 5, 1, 9, 3, 8, 4, 6]) files[`rng_state_${rank}.pth`] = torchFile();
    const report = await examineFolder(writeCheckpoint(dir(), 'checkpoint-3', files));
    assert.deepEqual(report.problems, []);
    assert.deepEqual(
      names(report.files.rng),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((rank) => `rng_state_${rank}.pth`),
    );
    assert.deepEqual([report.files.weightsKind, names(report.files.weights)], ['pytorch-bin', ['pytorch_model.bin']]);

    const mixed = await examineFolder(
      writeCheckpoint(dir(), 'checkpoint-4', {
        ...validFiles(4),
        'rng_state_0.pth': torchFile(),
        'rng_state_1.pth': torchFile(),
      }),
    );
    assert.deepEqual(names(mixed.files.rng), ['rng_state.pth', 'rng_state_0.pth', 'rng_state_1.pth']);
    assert.deepEqual(mixed.problems, []);
  });

  it("a single-process rng_state.pth does not stand in for rank 0's file", async () => {
    const path = writeCheckpoint(dir(), 'checkpoint-2', { ...validFiles(2), 'rng_state_1.pth': torchFile() });
    assert.deepEqual((await examineFolder(path)).problems, [
      `${path}: rng_state_0.pth missing (RNG files for ranks 0..1 expected)`,
    ]);
  });

  it('reads sharded safetensors: the index and its shards, never a partial download or a renamed copy', async () => {
    const shard = (i: number) => `model-0000${i}-of-00002.safetensors`;
    const weightMap = { 'a.weight': shard(2), 'a.bias': shard(2), 'b.weight': shard(1) };
    const path = writeCheckpoint(dir(), 'checkpoint-8', {
      'trainer_state.json': trainerStateText(8),
      'model.safetensors.index.json': JSON.stringify({ metadata: { total_size: 40 }, weight_map: weightMap }),
      [shard(2)]: weightsFile([16]),
      [shard(1)]: weightsFile([8, 16]),
      [`${shard(1)}.part`]: 'partial',
      [`old-${shard(2)}`]: 'renamed',
    });
    const report = await examineFolder(path);
    assert.deepEqual(report.problems, []);
    assert.equal(report.files.weightsKind, 'safetensors-sharded');
    assert.deepEqual(names(report.files.weights), ['model.safetensors.index.json', shard(1), shard(2)]);
  });

  it('reads sharded pytorch_model-XXXXX-of-YYYYY.bin weights, and names a truncated shard', async () => {
    const shard = (i: number) => `pytorch_model-0000${i}-of-00002.bin`;
    const files: FolderFiles = {
      'trainer_state.json': trainerStateText(8),
      'pytorch_model.bin.index.json': JSON.stringify({ weight_map: { w: shard(1), b: shard(2) } }),
      [shard(1)]: torchFile(),
      [shard(2)]: torchFile(),
      [`${shard(2)}.tmp`]: 'partial',
      [`bak-${shard(1)}`]: 'renamed',
    };
    const report = await examineFolder(writeCheckpoint(dir(), 'checkpoint-8', files));
    assert.deepEqual(report.problems, []);
    assert.equal(report.files.weightsKind, 'pytorch-bin-sharded');
    assert.deepEqual(names(report.files.weights), ['pytorch_model.bin.index.json', shard(1), shard(2)]);

    const damaged = writeCheckpoint(dir(), 'checkpoint-9', {
      ...files,
      'trainer_state.json': trainerStateText(9),
      [shard(2)]: torchFile().subarray(0, torchFile().length - 10),
    });
    const [problem, ...rest] = (await examineFolder(damaged)).problems;
    assert.match(problem!, new RegExp(`^${join(damaged, shard(2))}: no zip end-of-central-directory record`));
    assert.deepEqual(rest, []);
  });

  it('an index whose weight_map is missing, null, not an object, or that is not JSON: one clear problem', async () => {
    const cases: Array<[string, string, RegExp | string]> = [
      ['model.safetensors.index.json', '{"metadata":{}}', 'no "weight_map" object'],
      ['model.safetensors.index.json', '{"weight_map":null}', 'no "weight_map" object'],
      ['pytorch_model.bin.index.json', 'null', 'no "weight_map" object'],
      ['pytorch_model.bin.index.json', '{"weight_map":"pytorch_model-00001-of-00001.bin"}', 'no "weight_map" object'],
      ['model.safetensors.index.json', '{"weight_map": {"w": "model-0', /^not valid JSON \(/],
    ];
    let step = 1;
    for (const [index, text, expected] of cases) {
      const path = writeCheckpoint(dir(), `checkpoint-${step}`, {
        'trainer_state.json': trainerStateText(step++),
        [index]: text,
        'model-00001-of-00001.safetensors': weightsFile(),
        'pytorch_model-00001-of-00001.bin': torchFile(),
      });
      const problems = (await examineFolder(path)).problems;
      assert.equal(problems.length, 1, `${text}: ${problems.join('\n')}`);
      const [prefix, rest] = [`${join(path, index)}: `, problems[0]!.slice(join(path, index).length + 2)];
      assert.ok(problems[0]!.startsWith(prefix), problems[0]);
      if (typeof expected === 'string') assert.equal(rest, expected);
      else assert.match(rest, expected);
    }
  });

  it('refuses shard names with a path (either separator) and names missing shards, in name order', async () => {
    const path = writeCheckpoint(dir(), 'checkpoint-6', {
      'trainer_state.json': trainerStateText(6),
      'model.safetensors.index.json': JSON.stringify({
        weight_map: {
          a: 'model-00003-of-00003.safetensors',
          b: '../checkpoint-4/model-00001-of-00003.safetensors',
          c: 'sub\\model-00002-of-00003.safetensors',
          d: 'model-00002-of-00003.safetensors',
          e: 'model-00003-of-00003.safetensors',
        },
      }),
    });
    const index = join(path, 'model.safetensors.index.json');
    assert.deepEqual((await examineFolder(path)).problems, [
      `${index}: shard "../checkpoint-4/model-00001-of-00003.safetensors" must be a file name in the folder`,
      `${index}: lists shard model-00002-of-00003.safetensors, which is missing`,
      `${index}: lists shard model-00003-of-00003.safetensors, which is missing`,
      `${index}: shard "sub\\model-00002-of-00003.safetensors" must be a file name in the folder`,
    ]);
  });

  it('global_step disagreeing with the folder name is a problem; the step shown is the saved one', async () => {
    const path = writeCheckpoint(dir(), 'checkpoint-6', validFiles(4));
    const report = await examineFolder(path);
    assert.deepEqual(report.problems, [
      `${join(path, 'trainer_state.json')}: global_step is 4 but the folder is checkpoint-6`,
    ]);
    assert.deepEqual([report.valid, report.step], [false, 4]);
    // A folder whose name carries no step (a copy kept by hand) has nothing to disagree with.
    const kept = await examineFolder(writeCheckpoint(dir(), 'final', validFiles(4)));
    assert.deepEqual([kept.problems, kept.step, kept.valid], [[], 4, true]);
  });

  it('empty files are reported once each, without a second complaint about their content', async () => {
    const path = writeCheckpoint(dir(), 'checkpoint-2', {
      ...validFiles(2),
      'optimizer.pt': '',
      'model.safetensors': '',
    });
    const empty = (name: string) =>
      `${join(path, name)}: empty (0 bytes); the save was interrupted or the disk was full`;
    assert.deepEqual((await examineFolder(path)).problems, [empty('model.safetensors'), empty('optimizer.pt')]);
  });

  it('a safetensors header that is not a JSON object, or not JSON at all, names the file', async () => {
    let step = 1;
    for (const header of ['[]', 'null', '5', '"weights"', '{"w":']) {
      const path = writeCheckpoint(dir(), `checkpoint-${step}`, {
        ...validFiles(step++),
        'model.safetensors': safetensorsBytes(header, 16),
      });
      const weights = join(path, 'model.safetensors');
      const problems = (await examineFolder(path)).problems;
      if (header === '{"w":')
        assert.match(
          problems.join('\n'),
          new RegExp(`^unreadable safetensors header: ${weights} \\(safetensors header\\): not valid JSON \\(`),
        );
      else assert.deepEqual(problems, [`${weights}: safetensors header is not a JSON object`], header);
    }
  });

  it('a tensor without [begin, end] data_offsets is a damaged header; __metadata__ is no tensor', async () => {
    const entries: Array<[string, unknown]> = [
      ['missing', { dtype: 'F32', shape: [1] }],
      ['null', null],
      ['one number', { dtype: 'F32', shape: [1], data_offsets: 4 }],
      ['end as text', { dtype: 'F32', shape: [1], data_offsets: [0, '4'] }],
    ];
    let step = 1;
    for (const [label, entry] of entries) {
      const header = { __metadata__: { format: 'pt' }, 'w.weight': entry };
      const path = writeCheckpoint(dir(), `checkpoint-${step}`, {
        ...validFiles(step++),
        'model.safetensors': safetensorsBytes(header, 4),
      });
      assert.deepEqual(
        (await examineFolder(path)).problems,
        [
          `${join(path, 'model.safetensors')}: tensor "w.weight" has no "data_offsets" [begin, end] in the safetensors header; the file is damaged`,
        ],
        label,
      );
    }
  });

  it('a truncated safetensors file is found from its furthest tensor, whatever the header order', async () => {
    const header = {
      'late.weight': { dtype: 'F32', shape: [8], data_offsets: [16, 48] },
      'early.weight': { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
    };
    const bytes = safetensorsBytes(header, 20);
    const path = writeCheckpoint(dir(), 'checkpoint-1', { ...validFiles(1), 'model.safetensors': bytes });
    const head = bytes.length - 20;
    assert.deepEqual((await examineFolder(path)).problems, [
      `${join(path, 'model.safetensors')}: truncated (tensors need ${head + 48} bytes, file has ${bytes.length})`,
    ]);
    const whole = writeCheckpoint(dir(), 'checkpoint-2', {
      ...validFiles(2),
      'model.safetensors': safetensorsBytes(tensorsHeader([16, 32]), 48),
    });
    assert.deepEqual((await examineFolder(whole)).problems, []);
  });

  it('closes every safetensors file it opens, damaged or not', async function () {
    if (process.platform !== 'linux') this.skip(); // open descriptors are counted in /proc/self/fd
    const good = writeCheckpoint(dir(), 'checkpoint-1', validFiles(1));
    const bad = writeCheckpoint(dir(), 'checkpoint-2', {
      ...validFiles(2),
      'model.safetensors': safetensorsBytes('[', 4),
    });
    await examineFolder(good); // the runtime opens a descriptor or two of its own on first use
    const before = readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 10; i++) {
      assert.equal((await examineFolder(good)).valid, true);
      assert.equal((await examineFolder(bad)).valid, false);
    }
    assert.equal(readdirSync('/proc/self/fd').length, before);
  });

  it('a folder with no weights and no RNG files: the weights are named, nothing else is asked for', async () => {
    const path = writeCheckpoint(dir(), 'checkpoint-3', { 'trainer_state.json': trainerStateText(3) });
    const report = await examineFolder(path);
    assert.deepEqual(report.problems, [
      `${path}: no weights (expected model.safetensors, model.safetensors.index.json with its shards, or pytorch_model.bin)`,
    ]);
    assert.deepEqual([report.files.weightsKind, report.files.weights, report.files.rng], [null, [], []]);
  });

  it('without trainer_state.json the time is the folder’s own', async () => {
    const path = writeCheckpoint(dir(), 'checkpoint-3', { 'optimizer.pt': torchFile() });
    const report = await examineFolder(path);
    assert.equal(report.mtimeMs, statSync(path).mtimeMs);
    assert.deepEqual([report.step, report.trainerState], [3, null]);
  });
});

describe('hf: which folders are Hugging Face checkpoints', () => {
  const dir = useTempDir('hf-which');

  it('only checkpoint-<step> folders that exist, hold a Hugging Face file and no native manifest', async () => {
    const holding = writeCheckpoint(dir(), 'checkpoint-7', { 'scheduler.pt': torchFile() });
    assert.equal(await isHfCheckpointFolder(holding), true);
    assert.equal(await isHfCheckpointFolder(writeCheckpoint(dir(), 'final', validFiles(7))), false);
    assert.equal(await isHfCheckpointFolder(join(dir(), 'checkpoint-8')), false, 'a folder that does not exist');
    assert.equal(await isHfCheckpointFolder(writeCheckpoint(dir(), 'checkpoint-9', { 'notes.txt': 'x' })), false);
  });
});

describe('hf: RNG files expected for every rank', () => {
  const file = (rank: number) => ({ name: `rng_state_${rank}.pth`, size: 1, mtimeMs: 0 });

  it('no RNG files ask for nothing; ranks given in any order are checked as a set', () => {
    assert.deepEqual(checkRankFiles('/c', []), []);
    assert.deepEqual(checkRankFiles('/c', [{ name: 'rng_state.pth', size: 1, mtimeMs: 0 }]), []);
    assert.deepEqual(checkRankFiles('/c', [file(4), file(2), file(0), file(3), file(2)]), [
      '/c: rng_state_1.pth missing (RNG files for ranks 0..4 expected)',
    ]);
    assert.deepEqual(checkRankFiles('/c', [file(3), file(1), file(2), file(0)]), []);
  });

  it('a rank at the limit is refused by name, below it counted', () => {
    const limit = READ_LIMITS.rngRanks;
    assert.deepEqual(checkRankFiles('/c', [file(0), file(limit)]), [
      `${join('/c', `rng_state_${limit}.pth`)}: rank is ${limit} (limit ${limit}); the file is corrupt or not what it claims to be`,
    ]);
    assert.match(checkRankFiles('/c', [file(0), file(limit - 1)])[0]!, / and \d+ more missing/);
  });
});
