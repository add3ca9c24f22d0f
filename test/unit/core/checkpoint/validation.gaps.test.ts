import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from '../../../../src/core/checkpoint/checksum';
import { CheckpointError } from '../../../../src/core/checkpoint/errors';
import { CheckpointManager } from '../../../../src/core/checkpoint/manager';
import { loadCheckpoint } from '../../../../src/core/checkpoint/reader';
import { validateCheckpoint } from '../../../../src/core/checkpoint/validate';
import { makeContent, managerOptions, setCheckpointTime, withTempDir } from './helpers';

type ManifestJson = { checksum_algorithm: string; files: Array<{ path: string; size: number; checksum: string }> };

async function saved(dir: string, step: number): Promise<string> {
  const pending = await new CheckpointManager(dir, managerOptions()).save(makeContent(step));
  await pending.done;
  return pending.path;
}

/** Rewrites the manifest of a checkpoint (as a tool that writes checkpoints differently would). */
async function editManifest(path: string, edit: (m: ManifestJson) => void): Promise<void> {
  const manifest = JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8')) as ManifestJson;
  edit(manifest);
  await writeFile(join(path, 'manifest.json'), JSON.stringify(manifest));
}

/** Replaces a file's bytes and its manifest entry, so size and checksum match: only parsing can fail. */
async function replaceFile(path: string, file: string, text: string): Promise<void> {
  await writeFile(join(path, file), text);
  const bytes = Buffer.from(text);
  await editManifest(path, (m) => {
    const entry = m.files.find((f) => f.path === file)!;
    entry.size = bytes.length;
    entry.checksum = crc32(bytes).toString(16).padStart(8, '0');
  });
}

describe('validation gaps', () => {
  it('a manifest listing no model.safetensors is not a checkpoint', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir, 1);
      await editManifest(path, (m) => (m.files = m.files.filter((f) => f.path !== 'model.safetensors')));
      const result = await validateCheckpoint(path);
      assert.equal(result.valid, false);
      assert.deepEqual(result.problems, [`${join(path, 'manifest.json')}: lists no model.safetensors (no weights)`]);
    });
  });

  it('an unsupported checksum algorithm fails verification (never passes unhashed) and loading, but not a quick check', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir, 1);
      await editManifest(path, (m) => (m.checksum_algorithm = 'md5'));
      assert.equal((await validateCheckpoint(path)).valid, true);
      const verified = await validateCheckpoint(path, { verifyChecksums: true });
      assert.equal(verified.valid, false);
      assert.deepEqual(verified.problems, [
        `${join(path, 'manifest.json')}: checksum algorithm "md5" is not supported (crc32, sha256)`,
      ]);
      await assert.rejects(loadCheckpoint(path, { restoreOptimizer: true, restoreScheduler: true }), (e: unknown) => {
        assert.ok(e instanceof CheckpointError);
        assert.equal(e.exitCode, 2);
        assert.match(e.message, /checksum algorithm "md5" is not supported/);
        return true;
      });
      const target = await new CheckpointManager(dir, managerOptions()).resolveResume(true);
      assert.equal(target, null);
    });
  });

  for (const file of ['trainer_state.json', 'optimizer.json', 'scheduler.json', 'metadata.json']) {
    it(`resume falls back past a checkpoint whose ${file} does not parse, naming it; an explicit one is an error`, async () => {
      await withTempDir(async (dir) => {
        const older = await saved(dir, 1);
        const newer = await saved(dir, 2);
        await setCheckpointTime(older, 1);
        await setCheckpointTime(newer, 2);
        await replaceFile(newer, file, '{"cut short');
        await setCheckpointTime(newer, 2);
        const warnings: string[] = [];
        const manager = new CheckpointManager(dir, managerOptions(), { onWarning: (m) => warnings.push(m) });
        const target = await manager.resolveResume(true);
        assert.equal(target?.name, 'checkpoint-1');
        assert.equal(target?.skipped.length, 1);
        assert.equal(target?.skipped[0]?.path, newer);
        assert.match(target!.skipped[0]!.reason, new RegExp(file.replace('.', '\\.')));
        assert.equal(warnings.length, 1);
        await assert.rejects(
          manager.resolveResume(newer),
          (e: unknown) => e instanceof CheckpointError && e.exitCode === 2 && e.message.includes(file),
        );
      });
    });
  }

  it('resume refuses a checkpoint whose manifest lists no trainer state', async () => {
    await withTempDir(async (dir) => {
      const path = await saved(dir, 1);
      await editManifest(path, (m) => (m.files = m.files.filter((f) => f.path !== 'trainer_state.json')));
      const target = await new CheckpointManager(dir, managerOptions()).resolveResume(true);
      assert.equal(target, null);
      await assert.rejects(
        new CheckpointManager(dir, managerOptions()).resolveResume(path),
        /trainer_state\.json: missing from the checkpoint/,
      );
    });
  });
});

type Save = { metrics?: Record<string, number | null>; loss?: number | null };

describe('best checkpoint: ties and missing metrics', () => {
  async function bestAfter(saves: Save[], options: { metric: string; greater: boolean }) {
    return withTempDir(async (dir) => {
      const manager = new CheckpointManager(
        dir,
        managerOptions({ metric_for_best_model: options.metric, greater_is_better: options.greater }),
      );
      let state = null;
      for (const [i, s] of saves.entries()) {
        const content = makeContent(i + 1);
        content.trainerState.loss = s.loss === undefined ? content.trainerState.loss : s.loss;
        if (s.metrics) content.trainerState.metrics = s.metrics;
        await (
          await manager.save(content)
        ).done;
        state = JSON.parse(
          await readFile(join(dir, 'checkpoints', `checkpoint-${i + 1}`, 'trainer_state.json'), 'utf8'),
        );
      }
      return {
        checkpoint: state.best_checkpoint,
        metric: state.best_metric,
        name: state.best_metric_name,
        greater: state.greater_is_better,
      };
    });
  }

  it('a tie keeps the earlier best, whichever direction is better', async () => {
    const saves = [{ metrics: { acc: 0.5 } }, { metrics: { acc: 0.5 } }];
    assert.deepEqual(await bestAfter(saves, { metric: 'acc', greater: true }), {
      checkpoint: 'checkpoint-1',
      metric: 0.5,
      name: 'acc',
      greater: true,
    });
    assert.deepEqual(await bestAfter(saves, { metric: 'acc', greater: false }), {
      checkpoint: 'checkpoint-1',
      metric: 0.5,
      name: 'acc',
      greater: false,
    });
  });

  it('greater_is_better picks the larger value, otherwise the smaller', async () => {
    const saves = [{ metrics: { acc: 0.5 } }, { metrics: { acc: 0.7 } }, { metrics: { acc: 0.6 } }];
    assert.equal((await bestAfter(saves, { metric: 'acc', greater: true })).checkpoint, 'checkpoint-2');
    assert.equal((await bestAfter(saves, { metric: 'acc', greater: false })).checkpoint, 'checkpoint-1');
  });

  it('a missing, null or non-finite metric never becomes the best', async () => {
    const saves: Save[] = [{ metrics: {} }, { metrics: { acc: null } }, { metrics: { acc: Number.NaN } }];
    assert.deepEqual(await bestAfter(saves, { metric: 'acc', greater: true }), {
      checkpoint: null,
      metric: null,
      name: 'acc',
      greater: true,
    });
    const later: Save[] = [
      { metrics: { acc: 0.2 } },
      { metrics: { acc: null } },
      { metrics: { acc: Number.POSITIVE_INFINITY } },
    ];
    assert.deepEqual(await bestAfter(later, { metric: 'acc', greater: true }), {
      checkpoint: 'checkpoint-1',
      metric: 0.2,
      name: 'acc',
      greater: true,
    });
  });

  it('metric "loss" falls back to the trainer state\'s loss; other metrics do not', async () => {
    const saves = [{ loss: 0.9 }, { loss: 0.3 }, { loss: 0.5 }];
    assert.deepEqual(await bestAfter(saves, { metric: 'loss', greater: false }), {
      checkpoint: 'checkpoint-2',
      metric: 0.3,
      name: 'loss',
      greater: false,
    });
    assert.deepEqual(await bestAfter(saves, { metric: 'eval_loss', greater: false }), {
      checkpoint: null,
      metric: null,
      name: 'eval_loss',
      greater: false,
    });
  });

  it('a best record without a value (adopted from a checkpoint) yields to the first real value', async () => {
    await withTempDir(async (dir) => {
      const first = new CheckpointManager(dir, managerOptions());
      const content = makeContent(1);
      content.trainerState.best_checkpoint = 'checkpoint-1';
      content.trainerState.best_metric = null;
      const pending = await first.save(content);
      await pending.done;
      const manager = new CheckpointManager(
        dir,
        managerOptions({ metric_for_best_model: 'loss', save_total_limit: 1 }),
      );
      await manager.load(pending.path, { restoreOptimizer: false, restoreScheduler: false });
      const next = makeContent(2, { loss: 0.8 });
      await (
        await manager.save(next)
      ).done;
      const state = JSON.parse(await readFile(join(dir, 'checkpoints', 'checkpoint-2', 'trainer_state.json'), 'utf8'));
      assert.equal(state.best_checkpoint, 'checkpoint-2');
      assert.equal(state.best_metric, 0.8);
    });
  });
});
