import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { CheckpointManager, listCheckpoints } from '../../../src/core/checkpoint/index';
import { checkpointDetailNodes, describeSlots } from '../../../src/extension/model/checkpointDetails';
import { engineCheckpointSource, loadCheckpointDetails } from '../../../src/extension/model/checkpointEngine';
import { RunStore } from '../../../src/extension/store/runStore';
import { readerWith } from '../../support/runReaders';
import { makeContent, managerOptions, setCheckpointTime, withTempDir } from '../core/checkpoint/helpers';

describe('checkpoint details (real checkpoints written by the engine)', () => {
  it('shows optimizer, scheduler, trainer, model and files matching the files on disk', async () => {
    await withTempDir(async (run) => {
      const manager = new CheckpointManager(run, managerOptions());
      await (
        await manager.save(makeContent(20, { loss: 0.41, lr: 0.002 }))
      ).done;
      const [info] = await listCheckpoints(run);
      assert.ok(info);
      const nodes = checkpointDetailNodes(await loadCheckpointDetails(info));
      const byLabel = new Map(nodes.map((n) => [n.label, n]));
      assert.deepEqual(
        nodes.map((n) => n.label),
        ['Optimizer', 'Scheduler', 'Trainer', 'Model', 'Files'],
      );

      const optimizerJson = JSON.parse(await readFile(path.join(info.path, 'optimizer.json'), 'utf8')) as {
        type: string;
        iterations: number;
      };
      assert.equal(optimizerJson.type, 'adam');
      assert.match(byLabel.get('Optimizer')?.description ?? '', /^adam · 20 steps · m, v for 2 variables, /);
      assert.equal(info.optimizer && describeSlots(info.optimizer).startsWith('m, v for 2 variables'), true);
      assert.ok(
        byLabel.get('Optimizer')?.children.some((c) => c.label === 'learning_rate' && c.description === '0.002'),
      );

      assert.equal(byLabel.get('Scheduler')?.description, 'cosine · step 20 · lr 0.002 → next 0.001998');
      assert.equal(byLabel.get('Trainer')?.description, 'step 20 · epoch 0 · loss 0.41');
      const modelBytes = (await stat(path.join(info.path, 'model.safetensors'))).size;
      assert.match(byLabel.get('Model')?.description ?? '', /^9 parameters · /);
      assert.ok(modelBytes > 0);

      const manifest = JSON.parse(await readFile(path.join(info.path, 'manifest.json'), 'utf8')) as {
        files: Array<{ path: string }>;
      };
      assert.deepEqual(
        byLabel.get('Files')?.children.map((c) => c.label),
        manifest.files.map((f) => f.path),
      );
    });
  });

  it('says "not saved" for optimizer and scheduler state that was not saved', async () => {
    await withTempDir(async (run) => {
      const manager = new CheckpointManager(
        run,
        managerOptions({ save_optimizer_state: false, save_scheduler_state: false }),
      );
      await (
        await manager.save(makeContent(5))
      ).done;
      const [info] = await listCheckpoints(run);
      assert.ok(info);
      const nodes = checkpointDetailNodes(await loadCheckpointDetails(info));
      assert.equal(nodes.find((n) => n.label === 'Optimizer')?.description, 'not saved');
      assert.equal(nodes.find((n) => n.label === 'Scheduler')?.description, 'not saved');
    });
  });

  it("lists checkpoints in the engine's modification-time order, not by step", async () => {
    await withTempDir(async (run) => {
      const manager = new CheckpointManager(run, managerOptions());
      for (const step of [10, 20, 30]) await (await manager.save(makeContent(step))).done;
      // Make the step-10 checkpoint the newest by time, as a re-save or a copy would.
      await setCheckpointTime(path.join(run, 'checkpoints', 'checkpoint-10'), 300);
      await setCheckpointTime(path.join(run, 'checkpoints', 'checkpoint-20'), 100);
      await setCheckpointTime(path.join(run, 'checkpoints', 'checkpoint-30'), 200);
      const model = new RunStore({ reader: readerWith(engineCheckpointSource) });
      await model.setRunDirs([run], { exact: true });
      const engineOrder = (await listCheckpoints(run)).map((c) => c.name);
      assert.deepEqual(
        model.get(run)?.checkpoints.map((c) => c.name),
        engineOrder,
      );
      assert.deepEqual(engineOrder, ['checkpoint-10', 'checkpoint-30', 'checkpoint-20']);
      // A background re-read uses the listing index only for rows whose manifest is unchanged: these
      // manifests' times were changed, so the folders are read and the order is the engine's.
      await model.setRunDirs([run]);
      assert.deepEqual(
        model.get(run)?.checkpoints.map((c) => c.name),
        engineOrder,
      );
      await model.refresh(run);
      assert.deepEqual(
        model.get(run)?.checkpoints.map((c) => c.name),
        engineOrder,
      );
    });
  });
});
