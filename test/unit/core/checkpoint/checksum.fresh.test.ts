import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';

type ChecksumModule = typeof import('../../../../src/core/checkpoint/checksum');
const MODULE = require.resolve('../../../../src/core/checkpoint/checksum');

/**
 * A fresh copy of checksum.ts: its CRC table and its choice of implementation are made once per
 * module load, so only a new load shows how they are made (and honours the environment).
 */
function freshChecksum(portable: boolean): ChecksumModule {
  const before = process.env.TRAINING_RUNS_PORTABLE_CRC;
  const cached = require.cache[MODULE];
  delete require.cache[MODULE];
  try {
    if (portable) process.env.TRAINING_RUNS_PORTABLE_CRC = '1';
    else delete process.env.TRAINING_RUNS_PORTABLE_CRC;
    const fresh = require(MODULE) as ChecksumModule;
    fresh.crc32Implementation(); // the choice is made on first use, while the environment is set
    return fresh;
  } finally {
    if (before === undefined) delete process.env.TRAINING_RUNS_PORTABLE_CRC;
    else process.env.TRAINING_RUNS_PORTABLE_CRC = before;
    if (cached) require.cache[MODULE] = cached;
    else delete require.cache[MODULE];
  }
}

describe('checksums: a fresh load of the module', () => {
  it('TRAINING_RUNS_PORTABLE_CRC=1 turns @node-rs/crc32 off and falls back to zlib, with the same values', () => {
    const fresh = freshChecksum(true);
    assert.equal(fresh.crc32Implementation(), 'zlib');
    assert.deepEqual(
      fresh.crc32Implementations().map(([name]) => name),
      ['zlib', 'portable'],
    );
    assert.equal(fresh.crc32(Buffer.from('123456789')), 0xcbf43926);
    const running = fresh.createChecksum('crc32');
    running.update(Buffer.from('1234'));
    running.update(Buffer.from('56789'));
    assert.equal(running.digest(), 'cbf43926');
  });

  it("the portable table built on a fresh load gives CRC-32's check value and zlib's value for every byte", () => {
    const portable = freshChecksum(false)
      .crc32Implementations()
      .find(([n]) => n === 'portable')?.[1];
    assert.ok(portable);
    assert.equal(portable(Buffer.from('123456789')), 0xcbf43926);
    // Every table entry is used by some single byte; an unsigned result even with the top bit set.
    for (let b = 0; b < 256; b++) assert.equal(portable(Uint8Array.of(b)), zlib.crc32(Uint8Array.of(b)), `byte ${b}`);
    assert.equal(portable(new Uint8Array(0)), 0);
    assert.equal(portable(Buffer.from('56789'), portable(Buffer.from('1234'))), 0xcbf43926);
  });

  it('a small digest is padded to eight hex digits', () => {
    const fresh = freshChecksum(false);
    // Four bytes whose CRC-32 is below 0x10000000, so its hex has a leading zero (found by search, checked against zlib).
    let small: Uint8Array | null = null;
    for (let i = 0; i < 1 << 20 && small === null; i++) {
      const candidate = Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16, 0);
      if (zlib.crc32(candidate) < 0x1000_0000) small = candidate;
    }
    const running = fresh.createChecksum('crc32');
    running.update(small!);
    const digest = running.digest();
    assert.equal(digest.length, 8);
    assert.equal(digest, zlib.crc32(small!).toString(16).padStart(8, '0'));
    assert.ok(digest.startsWith('0'));
  });
});
