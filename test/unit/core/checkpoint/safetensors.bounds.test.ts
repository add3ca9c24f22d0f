/** Hand-crafted safetensors files, one for each bound the reader checks (a foreign file must never be misread). */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  parseSafetensorsHeader,
} from '../../../../src/core/checkpoint/safetensors';
import { readSafetensorsHeader } from '../../../../src/core/checkpoint/safetensorsFile';
import { virtualFs } from './faultFs';
import { withTempDir } from './helpers';

/** A file with `header` as its JSON (string or object), `dataBytes` of data, and optionally a lying length field. */
function craft(header: unknown, dataBytes: number, lengthField?: number): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const file = Buffer.alloc(8 + json.length + dataBytes);
  file.writeBigUInt64LE(BigInt(lengthField ?? json.length));
  json.copy(file, 8);
  for (let i = 8 + json.length; i < file.length; i++) file[i] = i & 0xff;
  return file;
}
const f32 = (shape: number[], data_offsets: unknown) => ({ dtype: 'F32', shape, data_offsets });
const parse = (bytes: Buffer, size = bytes.length) => parseSafetensorsHeader(bytes, size, 'x.safetensors');

describe('safetensors: every bound on a foreign file', () => {
  it('needs the 8-byte length: 7 bytes are too short', () => {
    assert.throws(() => parse(Buffer.alloc(7)), {
      message: 'x.safetensors: too short for a safetensors file (7 bytes)',
    });
  });

  it('refuses a header length past the file or past 100 MB, accepts one that ends exactly at the end', () => {
    const exact = craft({}, 0);
    assert.deepEqual(parse(exact), { tensors: [], metadata: {}, dataStart: exact.length });
    assert.throws(
      () => parse(craft({}, 0, 3)),
      /safetensors header length 3 does not fit the file \(10 bytes; truncated\?\)/,
    );
    // Only the first bytes are held (a header read): the declared file size decides.
    const huge = Buffer.alloc(8);
    huge.writeBigUInt64LE(100_000_001n);
    assert.throws(() => parse(huge, 300_000_000), /safetensors header length is 100000001 bytes \(limit 100000000\)/);
    huge.writeBigUInt64LE(100_000_000n);
    assert.throws(() => parse(huge, 300_000_000), { message: 'x.safetensors: header truncated' });
  });

  it('refuses a header that is not JSON or not an object', () => {
    assert.throws(() => parse(craft('{"a":', 0)), /x\.safetensors \(safetensors header\): not valid JSON/);
    for (const header of ['[]', 'null', '7'])
      assert.throws(() => parse(craft(header, 0)), /safetensors header is not an object/, header);
  });

  it('reads metadata and tensors sorted by offset; the data section must be covered exactly', () => {
    const header = parse(craft({ __metadata__: { k: 'v' }, b: f32([1], [4, 8]), a: f32([1], [0, 4]) }, 8));
    assert.deepEqual(header.metadata, { k: 'v' });
    assert.deepEqual(
      header.tensors.map((t) => [t.name, t.begin, t.end, t.dtype, t.shape]),
      [
        ['a', 0, 4, 'float32', [1]],
        ['b', 4, 8, 'float32', [1]],
      ],
    );
    assert.throws(
      () => parse(craft({ a: f32([1], [4, 8]) }, 8)),
      /tensor "a" starts at 4, expected 0 \(overlap or hole\)/,
    );
    assert.throws(
      () => parse(craft({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12)),
      /tensor "b" starts at 8, expected 4/,
    );
    assert.throws(() => parse(craft({ a: f32([1], [0, 4]) }, 8)), /tensors cover 4 bytes but the data section has 8/);
  });

  it('accepts I32, scalars and empty tensors; refuses other dtypes', () => {
    const header = parse(craft({ s: { dtype: 'I32', shape: [], data_offsets: [0, 4] }, e: f32([0, 3], [4, 4]) }, 4));
    assert.deepEqual(
      header.tensors.map((t) => [t.name, t.dtype, t.shape]),
      [
        ['s', 'int32', []],
        ['e', 'float32', [0, 3]],
      ],
    );
    for (const dtype of ['F64', 'f32', undefined]) {
      assert.throws(
        () => parse(craft({ a: { dtype, shape: [1], data_offsets: [0, 4] } }, 4)),
        /tensor "a" has dtype .*; only F32 and I32 are supported/,
      );
    }
    assert.throws(() => parse(craft({ a: null }, 0)), /tensor "a" has dtype undefined/);
  });

  it('refuses shapes that are not lists of whole non-negative numbers', () => {
    for (const shape of [2, [-1], [1.5], ['2'], null]) {
      assert.throws(
        () => parse(craft({ a: { dtype: 'F32', shape, data_offsets: [0, 8] } }, 8)),
        /tensor "a" has an invalid shape/,
        JSON.stringify(shape),
      );
    }
  });

  it('refuses data_offsets that are not two whole non-negative numbers', () => {
    for (const offsets of [null, [0], [0, 4, 8], [-4, 0], [0, 4.5], ['0', '4']]) {
      assert.throws(
        () => parse(craft({ a: f32([1], offsets) }, 4)),
        /tensor "a" has invalid data_offsets/,
        JSON.stringify(offsets),
      );
    }
  });

  it('refuses offsets that run backwards, past the data, or do not match the shape', () => {
    assert.throws(
      () => parse(craft({ a: f32([0], [4, 0]) }, 4)),
      /"a" data_offsets \[4, 0\] do not match shape \[0\] within 4 data bytes/,
    );
    assert.throws(
      () => parse(craft({ a: f32([2], [0, 8]) }, 4)),
      /"a" data_offsets \[0, 8\] do not match shape \[2\] within 4 data bytes/,
    );
    assert.throws(() => parse(craft({ a: f32([2], [0, 4]) }, 4)), /do not match shape \[2\]/);
    assert.throws(() => parse(craft({ a: f32([1], [0, 8]) }, 8)), /do not match shape \[1\]/);
  });

  it('decodes unaligned data by copying, aligned data as a view', () => {
    const json = JSON.stringify({ a: f32([2], [0, 8]) });
    const file = craft(json + ' '.repeat((8 - ((8 + json.length) % 8)) % 8), 8);
    const values = Float32Array.from([1.5, -2]);
    const dataStart = file.length - 8;
    Buffer.from(values.buffer).copy(file, dataStart);
    const unaligned = new Uint8Array(new ArrayBuffer(file.length + 1), 1);
    unaligned.set(file);
    const decoded = decodeSafetensors(unaligned, 'x');
    assert.deepEqual([...decoded.tensors.a!.data], [1.5, -2]);
    assert.notEqual(decoded.tensors.a!.data.buffer, unaligned.buffer);
    const aligned = new Uint8Array(new ArrayBuffer(file.length + 4), 4);
    aligned.set(file);
    assert.equal(dataStart % 8, 0);
    assert.equal(decodeSafetensors(aligned, 'x').tensors.a!.data.buffer, aligned.buffer);
    assert.deepEqual([...decodeSafetensors(aligned, 'x').tensors.a!.data], [1.5, -2]);
  });

  it('writes: no tensor named __metadata__, metadata only when given, data 8-byte aligned for any name length', () => {
    assert.throws(
      () => encodeSafetensors({ __metadata__: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }),
      /cannot be named "__metadata__"/,
    );
    const plain = Buffer.concat(encodeSafetensors({ a: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }));
    assert.ok(!plain.toString('latin1').includes('__metadata__'));
    for (let length = 1; length <= 9; length++) {
      const bytes = Buffer.concat(
        encodeSafetensors({ ['n'.repeat(length)]: { dtype: 'int32', shape: [1], data: Int32Array.from([length]) } }),
      );
      const header = parse(bytes);
      assert.equal(header.dataStart % 8, 0, `name of ${length} characters`);
      assert.equal(bytes.length, header.dataStart + 4);
    }
  });

  it('reading a header alone refuses a length past the file, through the injected fs', async () => {
    await withTempDir(async (real) => {
      const v = virtualFs(real);
      await writeFile(join(real, 'lying.safetensors'), craft({}, 0, 64));
      await assert.rejects(
        readSafetensorsHeader(join(v.root, 'lying.safetensors'), v.fs),
        /safetensors header length 64 does not fit the file \(10 bytes; truncated\?\)/,
      );
      await writeFile(join(real, 'ok.safetensors'), craft({ a: f32([1], [0, 4]) }, 4));
      assert.equal((await readSafetensorsHeader(join(v.root, 'ok.safetensors'), v.fs)).tensors[0]?.name, 'a');
      assert.equal(v.openHandles(), 0);
    });
  });
});
