import assert from 'node:assert/strict';
import { createChecksum, crc32 } from '../../../../src/core/checkpoint/checksum';

describe('checksums', () => {
  it('crc32 matches the standard check value and is incremental', () => {
    // CRC-32/ISO-HDLC check value of "123456789".
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    const running = createChecksum('crc32');
    running.update(Buffer.from('1234'));
    running.update(Buffer.from('56789'));
    assert.equal(running.digest(), 'cbf43926');
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
