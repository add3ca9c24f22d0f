import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { writeSafetensors } from '../../../src/core/checkpoint/safetensorsFile';
import { MAX_LISTED_TENSORS, readTensorNodes, tensorNodes } from '../../../src/extension/model/tensorNodes';
import { withTempDir } from '../core/checkpoint/helpers';

describe("the Model node's tensor list", () => {
  it('lists name, shape and dtype read from a real safetensors header', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'model.safetensors');
      await writeSafetensors(file, {
        'dense/kernel': { dtype: 'float32', shape: [3, 4], data: new Float32Array(12) },
        'dense/bias': { dtype: 'int32', shape: [4], data: new Int32Array(4) },
      });
      const nodes = await readTensorNodes(file);
      assert.deepEqual(nodes.map((n) => [n.label, n.description]).sort(), [
        ['dense/bias', '[4] int32'],
        ['dense/kernel', '[3, 4] float32'],
      ]);
    });
  });

  it('caps the list and says how many more there are', () => {
    const many = Array.from({ length: MAX_LISTED_TENSORS + 50 }, (_, i) => ({
      name: `t${i}`,
      shape: [i],
      dtype: 'float32' as const,
    }));
    const nodes = tensorNodes(many);
    assert.equal(nodes.length, MAX_LISTED_TENSORS + 1);
    assert.equal(nodes[MAX_LISTED_TENSORS - 1]?.label, `t${MAX_LISTED_TENSORS - 1}`);
    assert.equal(nodes.at(-1)?.label, '… 50 more');
    assert.equal(tensorNodes(many.slice(0, 3)).length, 3);
  });

  it('shows a header that cannot be read as "unreadable: <reason>"', async () => {
    await withTempDir(async (dir) => {
      const file = path.join(dir, 'model.safetensors');
      await writeFile(file, Buffer.from([1, 2, 3]));
      const nodes = await readTensorNodes(file);
      assert.equal(nodes.length, 1);
      assert.match(nodes[0]!.label, /^unreadable: .*truncated/);
      const missing = await readTensorNodes(path.join(dir, 'absent.safetensors'));
      assert.match(missing[0]!.label, /^unreadable: .*ENOENT/);
    });
  });
});
