/** loadCheckpoint on hand-edited manifests: what it refuses (naming the file), what it loads without, and a file changed after validation. */
import assert from 'node:assert/strict';
import { appendFile, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError } from '../../../../src/core/checkpoint/errors';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { pruneOptimizerState } from '../../../../src/core/checkpoint/pruneOptimizer';
import { loadCheckpoint } from '../../../../src/core/checkpoint/reader';
import { virtualFs } from './faultFs';
import { saveInOrder, withTempDir } from './helpers';

const FULL = { restoreOptimizer: true, restoreScheduler: true };

/** Rewrites the checkpoint's manifest.json through `edit` (file entries stay as they were unless edited). */
async function editManifest(
  checkpoint: string,
  edit: (m: Record<string, unknown> & { files: Array<{ path: string }> }) => void,
) {
  const path = join(checkpoint, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8'));
  edit(manifest);
  await writeFile(path, JSON.stringify(manifest));
}
const unlist = (file: string) => (m: { files: Array<{ path: string }> }) => {
  m.files = m.files.filter((f) => f.path !== file);
};

/** The CheckpointError loadCheckpoint rejects with (exit 2). */
async function refusal(path: string, options = FULL, fs?: CheckpointFs): Promise<string> {
  try {
    await loadCheckpoint(path, { ...options, fs });
  } catch (error) {
    assert.ok(error instanceof CheckpointError);
    assert.equal(error.exitCode, 2);
    return error.message;
  }
  assert.fail('loaded');
}

describe('loadCheckpoint: hand-edited manifests', () => {
  it('refuses an invalid checkpoint with every validation problem, before reading anything', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [10]);
      await unlink(join(path!, 'model.safetensors'));
      await unlink(join(path!, 'scheduler.json'));
      assert.equal(
        await refusal(path!),
        `checkpoint ${path} is not valid: ${join(path!, 'model.safetensors')}: missing (listed in the manifest); ${join(path!, 'scheduler.json')}: missing (listed in the manifest)`,
      );
    });
  });

  it('refuses a checksum algorithm it cannot verify, naming the manifest and the ones it can', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [10]);
      await editManifest(path!, (m) => (m['checksum_algorithm'] = 'md5'));
      assert.equal(
        await refusal(path!),
        `${join(path!, 'manifest.json')}: checksum algorithm "md5" is not supported (crc32, sha256)`,
      );
    });
  });

  it('refuses a manifest that leaves out trainer_state.json', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [10]);
      await editManifest(path!, unlist('trainer_state.json'));
      assert.equal(await refusal(path!), `${join(path!, 'trainer_state.json')}: missing from the checkpoint`);
    });
  });

  it('loads without metadata or optimizer tensors left out of the manifest, saying the optimizer starts fresh', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [10]);
      await editManifest(path!, (m) => {
        unlist('metadata.json')(m);
        unlist('optimizer.safetensors')(m);
      });
      const { content, warnings } = await loadCheckpoint(path!, FULL);
      assert.equal(content.metadata, undefined);
      assert.equal(content.optimizer, undefined);
      assert.equal(content.scheduler?.step, 10);
      assert.deepEqual(warnings, [
        'checkpoint checkpoint-10 has no optimizer state (optimizer.json, optimizer.safetensors): the optimizer starts fresh (step count 0, empty moments)',
      ]);
    });
  });

  it('says nothing of pruned optimizer state when the load does not restore it', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [10]);
      await pruneOptimizerState(path!);
      const { warnings } = await loadCheckpoint(path!, { restoreOptimizer: false, restoreScheduler: true });
      assert.deepEqual(warnings, []);
    });
  });

  it('refuses a file whose size changed after validation, by size before its checksum', async () => {
    await withTempDir(async (dir) => {
      const [path] = await saveInOrder(dir, [10]);
      const model = join(path!, 'model.safetensors');
      const size = (await readFile(model)).length;
      await appendFile(model, 'grown');
      // Validation sees the manifest's size (as it would have a moment before the file grew).
      const v = virtualFs(dir);
      v.override(
        'lstat',
        (real) =>
          (async (p: string) => {
            const stat = await real(p);
            if (p.endsWith('model.safetensors')) stat.size = size;
            return stat;
          }) as CheckpointFs['lstat'],
      );
      const virtualPath = join(v.root, 'checkpoints', 'checkpoint-10');
      assert.equal(
        await refusal(virtualPath, FULL, v.fs),
        `${join(virtualPath, 'model.safetensors')}: size ${size + 5} bytes, manifest says ${size}`,
      );
    });
  });
});
