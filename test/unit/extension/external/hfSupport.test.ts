import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspectHfCheckpoint } from '../../../../src/core/hf/checkpoints';
import { withHfCheckpoints, isHfCheckpointRow } from '../../../../src/extension/external/hfCheckpointSource';
import { hfCheckpointBadges, hfCheckpointDetailNodes } from '../../../../src/extension/external/hfDetails';
import { readRunMetrics } from '../../../../src/core/metrics/runHistory';
import type { DetailNode } from '../../../../src/extension/model/checkpointDetails';
import { readTensorNodes } from '../../../../src/extension/model/tensorNodes';
import { runDirFromMarker } from '../../../../src/extension/model/discovery';
import { RunStore } from '../../../../src/extension/store/runStore';
import { readerWith } from '../../../support/runReaders';
import type { CheckpointSource } from '../../../../src/extension/model/checkpointEngine';
import { deleteCheckpointFolder, DeleteRefusedError } from '../../../../src/extension/model/safeDelete';
import { loadHfFixtures } from '../../core/hf/fixtures';
import { writeHfCheckpoint } from './hfHelpers';

const nativeNone: CheckpointSource = {
  list: async () => {
    throw Object.assign(new Error('no checkpoints folder'), { code: 'ENOENT' });
  },
  trainerSummary: async () => ({ loss: 99, bestCheckpoint: null }),
};

describe('Hugging Face runs in the extension', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(path.join(tmpdir(), 'tr-hf-ext-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('discovers the output folder from checkpoint-<step>/trainer_state.json, and native runs as before', () => {
    assert.equal(runDirFromMarker('/w/runs/dist/checkpoint-20/trainer_state.json'), '/w/runs/dist');
    assert.equal(runDirFromMarker('/w/runs/x/checkpoints/checkpoint-5/trainer_state.json'), '/w/runs/x');
    assert.equal(runDirFromMarker('/w/runs/dist/run.json'), '/w/runs/dist');
  });

  it('lists HF checkpoints newest first, marks the best, and takes the loss from the log', async () => {
    const now = Date.now();
    writeHfCheckpoint(root, 10, { mtimeMs: now - 2000, best: 'runs/dist/checkpoint-10' });
    writeHfCheckpoint(root, 20, { mtimeMs: now - 1000, best: 'runs/dist/checkpoint-10', rngRanks: 2 });
    const model = new RunStore({ reader: readerWith(withHfCheckpoints(nativeNone)), isProcessAlive: () => false });
    await model.setRunDirs([root]);
    const run = model.get(root);
    assert.ok(run);
    assert.deepEqual(
      run.checkpoints.map((c) => [c.name, c.latest, c.best, c.loss]),
      [
        ['checkpoint-20', true, false, 1 / 20],
        ['checkpoint-10', false, true, 1 / 10],
      ],
    );
    assert.deepEqual(run.writing, []);
    mkdirSync(path.join(root, 'tmp-checkpoint-30'));
    await model.refresh(root);
    assert.deepEqual(model.get(root)?.writing, ['tmp-checkpoint-30'], 'a save in progress is shown as being written');
    const [newest] = run.checkpoints;
    assert.ok(newest && isHfCheckpointRow(newest));
    assert.equal(newest.rngFiles, 2);
    assert.deepEqual(hfCheckpointBadges(newest), ['HF', '2 ranks', 'no optimizer', 'no scheduler']);
  });

  it('lists native checkpoints for a folder without Hugging Face ones, and never lists HF folders natively', async () => {
    // The native lister reads checkpoint-<step> folders directly in the folder too, as invalid rows.
    const native: CheckpointSource = {
      list: async (dir) => [
        {
          path: `${dir}/checkpoint-1`,
          name: 'checkpoint-1',
          step: 1,
          mtimeMs: 1,
          valid: false,
          latest: false,
          problems: ['no manifest'],
          optimizer: null,
          scheduler: null,
        },
      ],
      trainerSummary: async () => null,
    };
    assert.deepEqual(
      (await withHfCheckpoints(native).list(root)).map((r) => [r.name, isHfCheckpointRow(r)]),
      [['checkpoint-1', false]],
    );
    writeHfCheckpoint(root, 10);
    const rows = await withHfCheckpoints(native).list(root);
    assert.deepEqual(
      rows.map((r) => [r.name, r.valid, isHfCheckpointRow(r)]),
      [['checkpoint-10', true, true]],
    );
  });

  it('shows an invalid HF checkpoint with the reason', async () => {
    const dir = writeHfCheckpoint(root, 5);
    rmSync(path.join(dir, 'trainer_state.json'));
    writeFileSync(
      path.join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { w: 'model-00001-of-00002.safetensors' } }),
    );
    const [row] = await withHfCheckpoints(nativeNone).list(root);
    assert.equal(row?.valid, false);
    assert.match(row?.problems.join('\n') ?? '', /trainer_state\.json: missing/);
    assert.match(row?.problems.join('\n') ?? '', /lists shard model-00001-of-00002\.safetensors, which is missing/);
  });

  it('deletes an HF checkpoint folder of a known run, and refuses other folders there', async () => {
    const dir = writeHfCheckpoint(root, 5);
    mkdirSync(path.join(root, 'checkpoint-6'));
    writeFileSync(path.join(root, 'checkpoint-6', 'notes.txt'), 'mine');
    await assert.rejects(deleteCheckpointFolder(path.join(root, 'checkpoint-6'), [root]), DeleteRefusedError);
    assert.equal(existsSync(path.join(root, 'checkpoint-6', 'notes.txt')), true);
    await assert.rejects(deleteCheckpointFolder(dir, [path.join(root, 'other')]), DeleteRefusedError);
    await deleteCheckpointFolder(dir, [root]);
    assert.equal(existsSync(dir), false);
  });

  it('reads loss-curve history from metrics.jsonl, else from the HF log_history', async () => {
    writeHfCheckpoint(root, 3);
    const hf = await readRunMetrics(root);
    assert.deepEqual([...hf.series.columns().steps], [1, 2, 3]);
    assert.deepEqual([...hf.series.columns().loss], [1, 0.5, 1 / 3]);
    writeFileSync(path.join(root, 'metrics.jsonl'), `${JSON.stringify({ step: 7, loss: 0.7, lr: 0.1 })}\n`);
    assert.deepEqual([...(await readRunMetrics(root)).series.columns().steps], [7]);
  });

  describe('tree details of checkpoints written by real PyTorch', function () {
    this.timeout(180_000);
    const find = (nodes: DetailNode[], label: string) => nodes.find((n) => n.label === label);

    it('shows optimizer hyper-parameters, the scheduler lr, per-rank RNG files and what is inferred', async function () {
      const fixtures = await loadHfFixtures();
      if ('skipped' in fixtures) this.skip();
      const rows = await withHfCheckpoints(nativeNone).list(fixtures.runs.adamw.dir);
      const newest = rows[0];
      assert.ok(newest && isHfCheckpointRow(newest) && newest.valid);
      const nodes = hfCheckpointDetailNodes(await inspectHfCheckpoint(newest.path));
      assert.deepEqual(
        nodes.map((n) => n.label),
        ['Optimizer', 'Scheduler', 'Trainer', 'RNG', 'Model', 'Files'],
      );
      const optimizer = find(nodes, 'Optimizer');
      assert.match(
        optimizer?.description ?? '',
        /^adam\/adamw \(inferred\) · \d+ steps · exp_avg, exp_avg_sq for \d+ variables/,
      );
      const hyper = find(optimizer?.children ?? [], 'hyper-parameters');
      assert.ok(
        hyper?.children.some((c) => c.label === 'lr'),
        JSON.stringify(hyper),
      );
      assert.ok(
        hyper?.children.some((c) => c.label === 'betas'),
        JSON.stringify(hyper),
      );
      assert.match(find(nodes, 'Scheduler')?.description ?? '', /\(inferred\) · step \d+ · lr [\d.e-]+/);
      assert.equal(find(find(nodes, 'Scheduler')?.children ?? [], 'next lr')?.description, 'unknown');
      assert.match(find(nodes, 'RNG')?.description ?? '', /^2 files \(one per rank\)/);
      assert.match(find(nodes, 'Trainer')?.description ?? '', new RegExp(`^step ${newest.step}`));
      // The Model node names model.safetensors for its tensor list, and the real header lists them.
      const model = find(nodes, 'Model');
      assert.equal(model?.tensorsFrom, 'model.safetensors');
      const tensors = await readTensorNodes(path.join(newest.path, 'model.safetensors'));
      assert.ok(
        tensors.length > 0 && tensors.every((t) => /^\[[\d, ]*\] \w+$/.test(t.description)),
        JSON.stringify(tensors.slice(0, 3)),
      );
      assert.equal(
        find(nodes, 'Files')?.children.find((f) => f.label === 'trainer_state.json')?.file,
        'trainer_state.json',
      );
    });
  });
});
