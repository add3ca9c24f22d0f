import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  crc32Implementation,
  createChecksum,
  crc32,
  crc32Implementations,
} from '../../../../src/core/checkpoint/checksum';

describe('checksums', () => {
  it('crc32 matches the standard check value and is incremental', () => {
    // CRC-32/ISO-HDLC check value of "123456789".
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    const running = createChecksum('crc32');
    running.update(Buffer.from('1234'));
    running.update(Buffer.from('56789'));
    assert.equal(running.digest(), 'cbf43926');
  });

  it('every crc32 implementation agrees, whole or in pieces, on Buffers and on other views', () => {
    const bytes = new Uint8Array(100_003);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    const floats = new Float32Array(bytes.buffer, 4, 1000); // a view with an offset, not a Buffer
    const implementations = crc32Implementations();
    const [, reference] = implementations[implementations.length - 1]!; // the portable table
    for (const [name, f] of implementations) {
      assert.equal(f(bytes), reference(bytes), name);
      assert.equal(f(bytes.subarray(777), f(bytes.subarray(0, 777))), reference(bytes), `${name} in two pieces`);
      const view = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
      assert.equal(f(view), reference(view), `${name} on a view with an offset`);
      assert.ok(f(bytes) >= 0, `${name} gives an unsigned value`);
    }
  });

  it("uses @node-rs/crc32 when it is installed (most of a save's CPU time is the checksum)", function () {
    if (!existsSync(join(__dirname, '../../../../node_modules/@node-rs/crc32/package.json'))) this.skip();
    assert.equal(crc32Implementation(), '@node-rs/crc32');
    assert.equal(crc32Implementations()[0]![0], '@node-rs/crc32');
  });

  it('sha256 stays available for manifests that name it', () => {
    const running = createChecksum('sha256');
    running.update(Buffer.from('abc'));
    assert.equal(running.digest(), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('rejects an unknown algorithm by name', () => {
    assert.throws(() => createChecksum('md4'), /unsupported checksum algorithm "md4" \(supported: crc32, sha256\)/);
  });
});
