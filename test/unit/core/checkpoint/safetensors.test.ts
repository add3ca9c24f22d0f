import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
} from '../../../../src/core/checkpoint/safetensors';
import {
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../../../../src/core/checkpoint/safetensorsFile';
import type { TensorMap } from '../../../../src/core/checkpoint/types';
import { withTempDir } from './helpers';

/** Bytes written by Python's safetensors 0.8.0: save({'a': f32 [[1,2],[3,4]], 'b': i32 [-1,0,7]}, metadata={'step':'5'}). */
const PYTHON_BYTES =
  '90000000000000007b225f5f6d657461646174615f5f223a7b2273746570223a2235227d2c2261223a7b226474797065223a22463332222c227368617065223a5b322c325d2c22646174615f6f666673657473223a5b302c31365d7d2c2262223a7b226474797065223a22493332222c227368617065223a5b335d2c22646174615f6f666673657473223a5b31362c32385d7d7d202020200000803f000000400000404000008040ffffffff0000000007000000';

const sample: TensorMap = {
  a: { dtype: 'float32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
  b: { dtype: 'int32', shape: [3], data: Int32Array.from([-1, 0, 7]) },
};

describe('safetensors', () => {
  it('writes exactly the bytes Python safetensors writes', () => {
    const bytes = Buffer.concat(encodeSafetensors(sample, { step: '5' }));
    assert.equal(bytes.toString('hex'), PYTHON_BYTES);
  });

  it('reads the bytes Python wrote', () => {
    const { tensors, metadata } = decodeSafetensors(Buffer.from(PYTHON_BYTES, 'hex'), 'python.safetensors');
    assert.deepEqual(metadata, { step: '5' });
    assert.deepEqual(Object.keys(tensors), ['a', 'b']);
    assert.deepEqual(tensors.a, sample.a);
    assert.deepEqual(tensors.b, sample.b);
  });

  it('pairs names and data by offset, even for integer-like names that JSON objects reorder', () => {
    const tensors: TensorMap = {
      z: { dtype: 'float32', shape: [1], data: Float32Array.from([1]) },
      '10': { dtype: 'float32', shape: [1], data: Float32Array.from([2]) },
      '2': { dtype: 'float32', shape: [1], data: Float32Array.from([3]) },
    };
    const decoded = decodeSafetensors(Buffer.concat(encodeSafetensors(tensors)), 'x');
    assert.deepEqual([...decoded.tensors.z!.data], [1]);
    assert.deepEqual([...decoded.tensors['10']!.data], [2]);
    assert.deepEqual([...decoded.tensors['2']!.data], [3]);
  });

  it('starts the data 8-byte aligned and decodes without copying', () => {
    const bytes = Buffer.concat(encodeSafetensors(sample));
    const header = parseSafetensorsHeader(bytes, bytes.length, 'x');
    assert.equal(header.dataStart % 8, 0);
    const aligned = new Uint8Array(new ArrayBuffer(bytes.length));
    aligned.set(bytes);
    const decoded = decodeSafetensors(aligned, 'x');
    assert.equal(decoded.tensors.a!.data.buffer, aligned.buffer);
  });

  it('round-trips through a file and reads headers alone', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 't.safetensors');
      const { size } = await writeSafetensors(path, sample);
      const back = await readSafetensors(path);
      assert.deepEqual(back.tensors, sample);
      const header = await readSafetensorsHeader(path);
      assert.deepEqual(
        header.tensors.map((t) => [t.name, t.dtype, t.shape]),
        [
          ['a', 'float32', [2, 2]],
          ['b', 'int32', [3]],
        ],
      );
      assert.equal(header.dataStart + 28, size);
    });
  });

  it('rejects a shape that does not match the data', () => {
    assert.throws(
      () => encodeSafetensors({ w: { dtype: 'float32', shape: [3], data: new Float32Array(2) } }),
      /"w" has 2 values but shape \[3\] needs 3/,
    );
  });

  it('rejects a truncated file, naming it', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'cut.safetensors');
      await writeFile(path, Buffer.from(PYTHON_BYTES, 'hex').subarray(0, 160));
      await assert.rejects(
        readSafetensors(path),
        (e: Error) => e.message.includes(path) && /do not match shape \[2, 2\] within 8 data bytes/.test(e.message),
      );
    });
  });

  it('rejects unsupported dtypes with the tensor name', () => {
    const json = '{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}';
    const bytes = Buffer.alloc(8 + json.length + 2);
    bytes.writeBigUInt64LE(BigInt(json.length));
    bytes.write(json, 8);
    assert.throws(
      () => decodeSafetensors(bytes, 'f16.safetensors'),
      /f16.safetensors: tensor "h" has dtype "F16"; only F32 and I32/,
    );
  });
});
