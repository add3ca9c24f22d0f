/**
 * Per-file checksums recorded in the manifest. CRC-32 (zlib.crc32, in Node since 20.15 and 22.2) is
 * the default: it detects flipped bytes and truncation, which is what a checkpoint needs (the same
 * check zip files and PyTorch's zip checkpoints use), at about half the CPU time of SHA-256 or SHA-1
 * (`npm run bench`'s checkpoint rows), so it keeps save and load near plain I/O. SHA-256 stays readable for manifests that name it.
 */
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';

export const CHECKSUM_ALGORITHM = 'crc32';
export const SUPPORTED_CHECKSUMS: readonly string[] = ['crc32', 'sha256'];

export interface RunningChecksum {
  update(bytes: Uint8Array): void;
  /** Lower-case hex. */
  digest(): string;
}

type Crc32 = (data: Uint8Array, value?: number) => number;
const nativeCrc32 = (zlib as unknown as { crc32?: Crc32 }).crc32;

/** Table-driven fallback for runtimes older than Node 20.15 (slow, but correct). */
let table: Uint32Array | null = null;
function portableCrc32(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = ~value >>> 0;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/**
 * @node-rs/crc32 (an optional dependency with prebuilt binaries) computes the same CRC-32 with
 * carry-less multiplication, several times faster than zlib's; checksumming is most of a save's CPU
 * time. TRAINING_RUNS_PORTABLE_CRC=1 turns it off.
 */
function loadFastCrc32(): Crc32 | null {
  if (process.env.TRAINING_RUNS_PORTABLE_CRC === '1') return null;
  try {
    const fast = (require('@node-rs/crc32') as { crc32(data: Uint8Array, initial?: number): number }).crc32;
    // napi-rs takes Buffers: wrap other views without copying.
    return (data, value = 0) =>
      fast(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength), value) >>> 0;
  } catch {
    return null;
  }
}

/** Loaded on first use: the extension host imports this module at activation and may never hash. */
let fastCrc32: Crc32 | null | undefined;
const fast = (): Crc32 | null => (fastCrc32 === undefined ? (fastCrc32 = loadFastCrc32()) : fastCrc32);

/** Which implementation `crc32` uses: the bench and the tests report it. */
export function crc32Implementation(): '@node-rs/crc32' | 'zlib' | 'portable' {
  return fast() ? '@node-rs/crc32' : nativeCrc32 ? 'zlib' : 'portable';
}

export const crc32: Crc32 = (data, value) => (fast() ?? nativeCrc32 ?? portableCrc32)(data, value);

/** For tests: every implementation available here, by name. */
export function crc32Implementations(): Array<[string, Crc32]> {
  const f = fast();
  return [
    ...(f ? [['@node-rs/crc32', f] as [string, Crc32]] : []),
    ...(nativeCrc32 ? [['zlib', nativeCrc32] as [string, Crc32]] : []),
    ['portable', portableCrc32],
  ];
}

export function createChecksum(algorithm: string): RunningChecksum {
  if (algorithm === 'crc32') {
    let value = 0;
    return {
      update: (bytes) => (value = crc32(bytes, value)),
      digest: () => value.toString(16).padStart(8, '0'),
    };
  }
  if (algorithm === 'sha256') {
    const hash = createHash('sha256');
    return { update: (bytes) => void hash.update(bytes), digest: () => hash.digest('hex') };
  }
  throw new Error(`unsupported checksum algorithm "${algorithm}" (supported: ${SUPPORTED_CHECKSUMS.join(', ')})`);
}
