import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectHfCheckpoint, isHfOutputDir, listHfCheckpoints, readHfLogHistory } from '../../../../src/core/hf';
import { useTempDir } from '../hostile/hostileFiles';
import { torchFile, trainerStateText, validFiles, writeCheckpoint } from './handMade';
import { makeZip, pickleOf, torchArchive } from './zipWriter';

// The module object itself (not an import's copy of it), so that a test can wrap one of its functions.
const fsPromises = require('node:fs/promises') as { stat: (path: string, ...rest: unknown[]) => Promise<unknown> };

/** Runs `body` while every stat of `folder` first calls `before` (the folder vanishing, or a failing disk). */
async function onStatOf<T>(folder: string, before: () => void, body: () => Promise<T>): Promise<T> {
  const realStat = fsPromises.stat;
  fsPromises.stat = async (path, ...rest) => {
    if (path === folder) before();
    return realStat(path, ...rest);
  };
  try {
    return await body();
  } finally {
    fsPromises.stat = realStat;
  }
}

const T = 1_700_000_000; // seconds since the epoch: checkpoint save times below are relative to it
const noWeights = (step: number, state: Record<string, unknown> = {}) => ({
  'trainer_state.json': trainerStateText(step, state),
  'optimizer.pt': torchFile(),
});

describe('hf: listing the checkpoints of a Trainer output folder (hand-made folders)', () => {
  const dir = useTempDir('hf-list');

  it('a missing folder, or one holding no Hugging Face checkpoint, lists nothing and has no history', async () => {
    const nothing = { source: null, points: [], evalPoints: [], entries: [] };
    const missing = join(dir(), 'missing');
    assert.deepEqual(await listHfCheckpoints(missing), []);
    assert.deepEqual(await readHfLogHistory(missing), nothing);
    assert.equal(await isHfOutputDir(missing), false);

    writeCheckpoint(dir(), 'checkpoint-3', { ...validFiles(3), 'manifest.json': '{}' }); // a native checkpoint
    writeCheckpoint(dir(), 'logs', validFiles(3));
    writeFileSync(join(dir(), 'checkpoint-7'), 'a file, not a folder');
    assert.deepEqual(await listHfCheckpoints(dir()), []);
    assert.deepEqual(await readHfLogHistory(dir()), nothing);
    assert.equal(await isHfOutputDir(dir()), false);

    writeCheckpoint(dir(), 'checkpoint-5', { 'scheduler.pt': torchFile() });
    assert.equal(await isHfOutputDir(dir()), true);
  });

  it('checkpoints saved in the same second come newest step first, then by name', async () => {
    // Copies with second-resolution times (rsync, zip) tie on time; checkpoint-11 is a hand copy of step 10.
    for (const [name, step] of [
      ['checkpoint-4', 4],
      ['checkpoint-10', 10],
      ['checkpoint-7', 7],
      ['checkpoint-11', 10],
      ['checkpoint-1', 1],
    ] as const)
      writeCheckpoint(dir(), name, validFiles(step), T);
    writeCheckpoint(dir(), 'checkpoint-2', validFiles(2), T + 60); // resumed from step 1 and saved later
    const rows = await listHfCheckpoints(dir(), { readTorchFiles: false });
    assert.deepEqual(
      rows.map((r) => [r.name, r.step, r.latest]),
      [
        ['checkpoint-2', 2, true],
        ['checkpoint-11', 10, false],
        ['checkpoint-10', 10, false],
        ['checkpoint-7', 7, false],
        ['checkpoint-4', 4, false],
        ['checkpoint-1', 1, false],
      ],
    );
  });

  it('a folder deleted while it is listed (retention during a live run) is left out', async () => {
    writeCheckpoint(dir(), 'checkpoint-2', validFiles(2), T);
    const doomed = writeCheckpoint(dir(), 'checkpoint-4', validFiles(4), T + 60);
    const rows = await onStatOf(
      doomed,
      () => rmSync(doomed, { recursive: true, force: true }),
      () => listHfCheckpoints(dir()),
    );
    assert.deepEqual(
      rows.map((r) => [r.name, r.latest]),
      [['checkpoint-2', true]],
    );
  });

  it('any other error while a folder is read is not taken for a deleted folder: it is thrown', async () => {
    writeCheckpoint(dir(), 'checkpoint-2', validFiles(2), T);
    const failing = writeCheckpoint(dir(), 'checkpoint-4', validFiles(4), T + 60);
    const eio = Object.assign(new Error(`EIO: i/o error, stat '${failing}'`), { code: 'EIO' });
    await onStatOf(
      failing,
      () => {
        throw eio;
      },
      () => assert.rejects(listHfCheckpoints(dir()), (error) => error === eio),
    );
  });

  it('the best checkpoint comes from the newest valid one, a relative path with a trailing slash included', async () => {
    writeCheckpoint(dir(), 'checkpoint-2', validFiles(2, { best_model_checkpoint: null }), T);
    writeCheckpoint(
      dir(),
      'checkpoint-4',
      validFiles(4, { best_model_checkpoint: 'out/run//checkpoint-2/', best_metric: 0.5 }),
      T + 10,
    );
    // Newer but broken (no weights): its own idea of the best is not used.
    writeCheckpoint(dir(), 'checkpoint-6', noWeights(6, { best_model_checkpoint: 'out/run/checkpoint-6' }), T + 20);
    const rows = await listHfCheckpoints(dir(), { readTorchFiles: false });
    assert.deepEqual(
      rows.map((r) => [r.name, r.valid, r.latest, r.best]),
      [
        ['checkpoint-6', false, false, true],
        ['checkpoint-4', true, true, false],
        ['checkpoint-2', true, false, true],
      ].map(([name, valid, latest]) => [name, valid, latest, name === 'checkpoint-2']),
    );
    const older = await inspectHfCheckpoint(join(dir(), 'checkpoint-2'));
    assert.deepEqual(
      [older.latest, older.best, older.bestModelCheckpoint, older.bestMetric],
      [false, true, 'out/run//checkpoint-2/', 0.5],
    );
    assert.equal(older.trainerState?.best_model_checkpoint, null, "the folder's own state is kept as saved");
  });

  it('a best_model_checkpoint written by a Trainer on Windows (backslashes) names its folder here too', async () => {
    writeCheckpoint(dir(), 'checkpoint-2', validFiles(2), T);
    writeCheckpoint(
      dir(),
      'checkpoint-4',
      validFiles(4, { best_model_checkpoint: 'C:\\runs\\out\\checkpoint-2\\' }),
      T + 10,
    );
    const rows = await listHfCheckpoints(dir(), { readTorchFiles: false });
    assert.deepEqual(
      rows.map((r) => [r.name, r.best]),
      [
        ['checkpoint-4', false],
        ['checkpoint-2', true],
      ],
    );
  });

  it('with no valid checkpoint, the best and the history come from the newest trainer_state.json there is', async () => {
    writeCheckpoint(dir(), 'checkpoint-2', noWeights(2, { best_model_checkpoint: 'out/checkpoint-2' }), T);
    writeCheckpoint(
      dir(),
      'checkpoint-4',
      noWeights(4, { best_model_checkpoint: 'out/checkpoint-2', log_history: [{ step: 4, loss: 0.5 }] }),
      T + 10,
    );
    writeCheckpoint(dir(), 'checkpoint-6', { 'optimizer.pt': torchFile() }, T + 20);
    const rows = await listHfCheckpoints(dir(), { readTorchFiles: false });
    assert.deepEqual(
      rows.map((r) => [r.name, r.valid, r.latest, r.best]),
      [
        ['checkpoint-6', false, false, false],
        ['checkpoint-4', false, false, false],
        ['checkpoint-2', false, false, true],
      ],
    );
    const history = await readHfLogHistory(dir());
    assert.equal(history.source, join(dir(), 'checkpoint-4', 'trainer_state.json'));
    assert.deepEqual(history.points, [{ step: 4, loss: 0.5, lr: null }]);
  });

  it('no trainer_state.json anywhere: listed, none best, no history', async () => {
    writeCheckpoint(dir(), 'checkpoint-2', { 'optimizer.pt': torchFile(), 'model.safetensors': 'x' });
    const rows = await listHfCheckpoints(dir(), { readTorchFiles: false });
    assert.deepEqual(
      rows.map((r) => [r.name, r.valid, r.best, r.step]),
      [['checkpoint-2', false, false, 2]],
    );
    assert.equal((await readHfLogHistory(dir())).source, null);
  });
});

describe('hf: loss curve from log_history', () => {
  const dir = useTempDir('hf-history');

  it('reads the newest valid checkpoint, sorts points by step and keeps the entries as logged', async () => {
    const logged = [
      { step: 30, loss: 0.3, learning_rate: 0.001 },
      { step: 10, loss: 0.9, learning_rate: 0.003, epoch: 0.1 },
      { step: 20, eval_loss: 0.7 },
      { step: 20, loss: 0.5 },
      { step: 10, eval_loss: 1.1 },
      { step: 30, eval_loss: 0.4, loss: null },
      { step: 40, train_runtime: 12.5 },
    ];
    writeCheckpoint(dir(), 'checkpoint-40', validFiles(40, { log_history: logged }), T);
    // Newer but invalid (its weights are empty): its history is not the one shown.
    writeCheckpoint(
      dir(),
      'checkpoint-50',
      { ...validFiles(50, { log_history: [{ step: 50, loss: 9 }] }), 'model.safetensors': '' },
      T + 10,
    );
    const history = await readHfLogHistory(dir());
    assert.equal(history.source, join(dir(), 'checkpoint-40', 'trainer_state.json'));
    assert.deepEqual(history.points, [
      { step: 10, loss: 0.9, lr: 0.003 },
      { step: 20, loss: 0.5, lr: null },
      { step: 30, loss: 0.3, lr: 0.001 },
    ]);
    assert.deepEqual(history.evalPoints, [
      { step: 10, evalLoss: 1.1 },
      { step: 20, evalLoss: 0.7 },
      { step: 30, evalLoss: 0.4 },
    ]);
    assert.deepEqual(history.entries, logged);
  });
});

describe('hf: what a row says about optimizer.pt, scheduler.pt and scaler.pt', () => {
  const dir = useTempDir('hf-row');

  it('reads nothing when asked not to, and says which files exist', async () => {
    writeCheckpoint(dir(), 'checkpoint-3', { ...validFiles(3), 'scaler.pt': torchFile() });
    const [row] = await listHfCheckpoints(dir(), { readTorchFiles: false });
    assert.deepEqual(
      [row!.optimizer, row!.scheduler, row!.unread, row!.hasOptimizerFile, row!.hasSchedulerFile, row!.hasScaler],
      [null, null, [], true, true, true],
    );
  });

  it('without optimizer.pt and scheduler.pt: nothing to read, nothing unread', async () => {
    const files = validFiles(3);
    delete files['optimizer.pt'];
    delete files['scheduler.pt'];
    writeCheckpoint(dir(), 'checkpoint-3', files);
    const [row] = await listHfCheckpoints(dir());
    assert.deepEqual(
      [row!.valid, row!.optimizer, row!.scheduler, row!.unread, row!.hasOptimizerFile, row!.hasSchedulerFile],
      [true, null, null, [], false, false],
    );
    assert.equal(row!.hasScaler, false);
  });

  it('an empty optimizer.pt or scheduler.pt is a problem of the folder, not read a second time', async () => {
    writeCheckpoint(dir(), 'checkpoint-3', { ...validFiles(3), 'optimizer.pt': '', 'scheduler.pt': '' });
    const [row] = await listHfCheckpoints(dir());
    assert.deepEqual([row!.optimizer, row!.scheduler, row!.unread], [null, null, []]);
    assert.equal(row!.problems.length, 2);
  });

  it('a scheduler.pt that is an archive without data.pkl, or whose pickle is no dict, is named as not read', async () => {
    mkdirSync(dir(), { recursive: true });
    const cases: Array<[string, Buffer, RegExp]> = [
      ['checkpoint-3', makeZip([{ name: 'archive/version', data: Buffer.from('3\n') }]), /data\.pkl/],
      ['checkpoint-4', torchArchive(pickleOf([0x5d])), /scheduler\.pt/],
    ];
    for (const [name, scheduler, detail] of cases) {
      const step = Number(name.slice('checkpoint-'.length));
      const info = await inspectHfCheckpoint(
        writeCheckpoint(dir(), name, { ...validFiles(step), 'scheduler.pt': scheduler }),
      );
      assert.equal(info.scheduler, null);
      const unread = info.unread.filter((u) => u.startsWith('scheduler.pt not read: '));
      assert.equal(unread.length, 1, info.unread.join('\n'));
      assert.match(unread[0]!, detail);
    }
  });
});
