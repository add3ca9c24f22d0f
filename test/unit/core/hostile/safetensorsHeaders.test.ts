/**
 * Hostile safetensors files: header lengths that claim more than the limit or the file, headers
 * nested without end, and unaligned tensor data in a small file (whose bytes may sit anywhere in
 * Node's shared buffer pool).
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors } from '../../../../src/core/checkpoint/safetensors';
import { readSafetensors, readSafetensorsHeader } from '../../../../src/core/checkpoint/safetensorsFile';
import { examineFolder } from '../../../../src/core/hf/checkpointFolder';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { useTempDir, writeSparse } from './hostileFiles';

function lengthPrefix(length: bigint): Buffer {
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(length);
  return head;
}

/** A safetensors file whose header is `json` as is (no alignment padding). */
function rawSafetensors(json: string, data: Buffer): Buffer {
  const header = Buffer.from(json);
  return Buffer.concat([lengthPrefix(BigInt(header.length)), header, data]);
}

describe('hostile safetensors files', () => {
  const dir = useTempDir('hostile-st');

  it('refuses a sparse 3 GB file declaring a 3e9-byte header, before allocating it (native reader and Hugging Face check)', async () => {
    const checkpoint = join(dir(), 'checkpoint-1');
    mkdirSync(checkpoint);
    writeFileSync(join(checkpoint, 'trainer_state.json'), JSON.stringify({ global_step: 1, log_history: [] }));
    const path = writeSparse(join(checkpoint, 'model.safetensors'), 3_100_000_000, lengthPrefix(3_000_000_000n));
    const limit = new RegExp(
      `model\\.safetensors: safetensors header length is 3000000000 bytes \\(limit ${READ_LIMITS.safetensorsHeaderBytes}\\)`,
    );
    await assert.rejects(readSafetensorsHeader(path), limit);
    const report = await examineFolder(checkpoint);
    assert.equal(report.valid, false);
    assert.match(report.problems.join('\n'), limit);
  });

  it('refuses header lengths beyond the file or beyond 2^53, and a header shorter than its 8-byte length', async () => {
    const beyond = join(dir(), 'beyond.safetensors');
    writeFileSync(beyond, Buffer.concat([lengthPrefix(1000n), Buffer.from('{}')]));
    await assert.rejects(
      readSafetensorsHeader(beyond),
      /beyond\.safetensors: safetensors header length 1000 does not fit the file \(10 bytes; truncated\?\)/,
    );
    const huge = join(dir(), 'huge.safetensors');
    writeFileSync(huge, lengthPrefix(0xffffffffffffffffn));
    await assert.rejects(
      readSafetensorsHeader(huge),
      /huge\.safetensors: safetensors header length is 18446744073709551615 bytes \(limit/,
    );
    const short = join(dir(), 'short.safetensors');
    writeFileSync(short, Buffer.from([1, 2, 3]));
    await assert.rejects(readSafetensorsHeader(short), /short\.safetensors: truncated \(3 bytes/);
  });

  it('refuses a header nested deeper than the JSON depth limit, naming the file', async () => {
    const depth = READ_LIMITS.jsonDepth + 1;
    const path = join(dir(), 'deep.safetensors');
    writeFileSync(path, rawSafetensors(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`, Buffer.alloc(0)));
    await assert.rejects(
      readSafetensorsHeader(path),
      /deep\.safetensors \(safetensors header\): JSON nesting is deeper than allowed \(limit 256\)/,
    );
  });

  it('decodes unaligned tensors of a small file correctly, wherever the bytes sit in the buffer pool', async () => {
    // A 1-byte-shorter header than the aligned writer makes: data starts at an odd offset.
    const values = [1.5, -2.25, 3.125];
    const data = Buffer.from(new Float32Array(values).buffer);
    const json = `{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}`;
    const bytes = rawSafetensors(json, data);
    assert.notEqual((8 + json.length) % 4, 0);
    for (let shift = 0; shift < 8; shift++) {
      // Pooled Buffers (Buffer.from of small data) start at arbitrary offsets of one shared 8 KiB ArrayBuffer.
      const pooled = Buffer.concat([Buffer.alloc(shift), bytes]).subarray(shift);
      assert.deepEqual([...(decodeSafetensors(pooled, 'pooled').tensors['w']!.data as Float32Array)], values);
    }
    const path = join(dir(), 'unaligned.safetensors');
    writeFileSync(path, bytes);
    assert.deepEqual([...((await readSafetensors(path)).tensors['w']!.data as Float32Array)], values);
  });
});
