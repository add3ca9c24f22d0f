import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';

type ChecksumModule = typeof import('../../../../src/core/checkpoint/checksum');
type Crc32 = (data: Uint8Array, value?: number) => number;
const MODULE = require.resolve('../../../../src/core/checkpoint/checksum');
const NODE_RS = require.resolve('@node-rs/crc32');
const realNodeRs = (require('@node-rs/crc32') as { crc32: Crc32 }).crc32;
/** The zlib module itself (an `import * as` copy would not let a test take crc32 away). */
const zlibModule = require('node:zlib') as typeof zlib;

interface Setup {
  /** TRAINING_RUNS_PORTABLE_CRC=1 while the module loads. */
  portableEnv?: boolean;
  /** A Node older than 20.15: zlib has no crc32. */
  withoutZlibCrc?: boolean;
  /** What `require('@node-rs/crc32')` gives: a crc32 function, or 'missing' (the require throws). */
  nodeRs?: Crc32 | 'missing';
}

/** Swaps `object[key]` for `value` (or removes it) and gives back the function that undoes it. */
function swap<T extends object>(object: T, key: PropertyKey, value: unknown): () => void {
  const had = Object.prototype.hasOwnProperty.call(object, key);
  const before = (object as Record<PropertyKey, unknown>)[key];
  if (value === undefined) delete (object as Record<PropertyKey, unknown>)[key];
  else (object as Record<PropertyKey, unknown>)[key] = value;
  return () => {
    if (had) (object as Record<PropertyKey, unknown>)[key] = before;
    else delete (object as Record<PropertyKey, unknown>)[key];
  };
}

/**
 * A fresh copy of checksum.ts: its CRC table and its choice of implementation are made once per
 * module load (on first use), so only a new load shows how they are made and honours the setup.
 */
function freshChecksum(setup: Setup = {}): ChecksumModule {
  const undo = [
    swap(require.cache, MODULE, undefined),
    swap(process.env, 'TRAINING_RUNS_PORTABLE_CRC', setup.portableEnv ? '1' : undefined),
    ...(setup.withoutZlibCrc ? [swap(zlibModule, 'crc32', undefined)] : []),
  ];
  if (setup.nodeRs === 'missing') {
    const missing = {
      id: NODE_RS,
      filename: NODE_RS,
      loaded: true,
      get exports(): never {
        throw Object.assign(new Error("Cannot find module '@node-rs/crc32'"), { code: 'MODULE_NOT_FOUND' });
      },
    };
    undo.push(swap(require.cache, NODE_RS, missing));
  } else if (setup.nodeRs) {
    undo.push(
      swap(require.cache, NODE_RS, { id: NODE_RS, filename: NODE_RS, loaded: true, exports: { crc32: setup.nodeRs } }),
    );
  }
  try {
    const fresh = require(MODULE) as ChecksumModule;
    fresh.crc32Implementation(); // the choice is made on first use, while the setup holds
    return fresh;
  } finally {
    for (const u of undo.reverse()) u();
  }
}

const CHECK_INPUT = Buffer.from('123456789');
const CHECK_VALUE = 0xcbf43926; // CRC-32/ISO-HDLC

function assertComputesCrc32(fresh: ChecksumModule): void {
  assert.equal(fresh.crc32(CHECK_INPUT), CHECK_VALUE);
  const running = fresh.createChecksum('crc32');
  running.update(CHECK_INPUT.subarray(0, 4));
  running.update(CHECK_INPUT.subarray(4));
  assert.equal(running.digest(), 'cbf43926');
}

describe('checksums: a fresh load of the module under each runtime', () => {
  it('uses @node-rs/crc32, given Buffers, for every crc32 when it is installed; the choice is made once', () => {
    const seen: boolean[] = [];
    const fresh = freshChecksum({
      nodeRs: (data, value) => {
        seen.push(Buffer.isBuffer(data));
        return realNodeRs(data, value);
      },
    });
    assert.equal(fresh.crc32Implementation(), '@node-rs/crc32');
    assert.deepEqual(
      fresh.crc32Implementations().map(([name]) => name),
      ['@node-rs/crc32', 'zlib', 'portable'],
    );
    assertComputesCrc32(fresh);
    const view = new Uint8Array(CHECK_INPUT.buffer, CHECK_INPUT.byteOffset, CHECK_INPUT.byteLength);
    assert.equal(fresh.crc32(view), CHECK_VALUE, 'a plain Uint8Array view is wrapped, not copied');
    assert.deepEqual(seen, [true, true, true, true]);
  });

  it('TRAINING_RUNS_PORTABLE_CRC=1 turns @node-rs/crc32 off and falls back to zlib, with the same values', () => {
    const fresh = freshChecksum({ portableEnv: true });
    assert.equal(fresh.crc32Implementation(), 'zlib'); // still, now that the variable is unset again
    assert.deepEqual(
      fresh.crc32Implementations().map(([name]) => name),
      ['zlib', 'portable'],
    );
    assertComputesCrc32(fresh);
  });

  it('without @node-rs/crc32 installed, falls back to zlib after one try to load it', () => {
    let tries = 0;
    const fresh = freshChecksum({ nodeRs: 'missing' });
    // Count later loads: the real module is back in the cache, so a second try would find it.
    const undo = swap(require.cache, NODE_RS, {
      id: NODE_RS,
      filename: NODE_RS,
      loaded: true,
      get exports() {
        tries++;
        return { crc32: realNodeRs };
      },
    });
    try {
      assert.equal(fresh.crc32Implementation(), 'zlib');
      assertComputesCrc32(fresh);
      assert.equal(tries, 0);
    } finally {
      undo();
    }
  });

  it('on a Node without zlib.crc32 and with the portable switch, the portable table does the work', () => {
    const fresh = freshChecksum({ portableEnv: true, withoutZlibCrc: true });
    assert.equal(fresh.crc32Implementation(), 'portable');
    assert.deepEqual(
      fresh.crc32Implementations().map(([name]) => name),
      ['portable'],
    );
    assertComputesCrc32(fresh);
  });

  it("the portable table built on a fresh load gives CRC-32's check value and zlib's value for every byte", () => {
    const portable = freshChecksum()
      .crc32Implementations()
      .find(([n]) => n === 'portable')?.[1];
    assert.ok(portable);
    assert.equal(portable(CHECK_INPUT), CHECK_VALUE);
    // Every table entry is used by some single byte; an unsigned result even with the top bit set.
    for (let b = 0; b < 256; b++) assert.equal(portable(Uint8Array.of(b)), zlib.crc32(Uint8Array.of(b)), `byte ${b}`);
    assert.equal(portable(new Uint8Array(0)), 0);
    assert.equal(portable(CHECK_INPUT.subarray(4), portable(CHECK_INPUT.subarray(0, 4))), CHECK_VALUE);
  });

  it('a small digest is padded to eight hex digits', () => {
    const fresh = freshChecksum();
    // Four bytes whose CRC-32 is below 0x10000000, so its hex has a leading zero (found by search, checked against zlib).
    let small: Uint8Array | null = null;
    for (let i = 0; i < 1 << 20 && small === null; i++) {
      const candidate = Uint8Array.of(i & 0xff, (i >> 8) & 0xff, i >> 16, 0);
      if (zlib.crc32(candidate) < 0x1000_0000) small = candidate;
    }
    const running = fresh.createChecksum('crc32');
    running.update(small!);
    const digest = running.digest();
    assert.equal(digest, zlib.crc32(small!).toString(16).padStart(8, '0'));
    assert.ok(digest.length === 8 && digest.startsWith('0'));
  });
});
