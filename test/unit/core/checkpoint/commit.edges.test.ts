/** commitCheckpoint called directly: the bytes it reports, and a replace over a leftover moved-aside copy. */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commitCheckpoint } from '../../../../src/core/checkpoint/commit';
import { defaultFs } from '../../../../src/core/checkpoint/fs';
import { replacedName } from '../../../../src/core/checkpoint/layout';
import { withTempDir } from './helpers';

const files = (text: string) => [
  { name: 'model.safetensors', chunks: [Buffer.from(text), Buffer.from('!')] },
  { name: 'trainer_state.json', chunks: [Buffer.from('{}')] },
];

describe('commitCheckpoint', () => {
  it('reports the bytes of every file it wrote (the manifest not counted)', async () => {
    await withTempDir(async (dir) => {
      const result = await commitCheckpoint({
        checkpointsDir: dir,
        name: 'checkpoint-1',
        step: 1,
        saveCounter: 1,
        files: files('abcd'),
        fs: defaultFs,
      });
      assert.equal(result.bytes, 5 + 2);
      assert.deepEqual(
        result.manifest.files.map((f) => [f.path, f.size]),
        [
          ['model.safetensors', 5],
          ['trainer_state.json', 2],
        ],
      );
    });
  });

  it('replaces a checkpoint even where an earlier crash left a moved-aside copy of it, and keeps no copy', async () => {
    await withTempDir(async (dir) => {
      const request = { checkpointsDir: dir, name: 'checkpoint-1', step: 1, saveCounter: 1, fs: defaultFs };
      await commitCheckpoint({ ...request, files: files('old') });
      const leftover = join(dir, replacedName('checkpoint-1'));
      await mkdir(leftover);
      await writeFile(join(leftover, 'model.safetensors'), 'older still');
      await commitCheckpoint({ ...request, saveCounter: 2, files: files('new') });
      assert.equal(await readFile(join(dir, 'checkpoint-1', 'model.safetensors'), 'utf8'), 'new!');
      assert.deepEqual(await readdir(dir), ['checkpoint-1']);
    });
  });
});
