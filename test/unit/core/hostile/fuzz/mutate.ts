/** Seeded random mutations of a file's bytes: reproducible from the seed alone. */

/** mulberry32: a small, fast, seeded PRNG (state: one 32-bit integer). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that break length fields and bounds checks when written over a few bytes. */
const INTERESTING = [
  [0xff, 0xff, 0xff, 0xff],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
  [0x00, 0x00, 0x00, 0x80],
  [0x00],
  [0x7f],
  [0x80],
  [0xfe, 0xff],
  [0x00, 0x00, 0x00, 0x00],
  [...Buffer.from('[[[[[[[[')],
  [...Buffer.from('*a ')],
  [...Buffer.from('\n')],
];

/** One to four mutations of `input` (never in place): flips, interesting values, insertions, deletions, duplications, truncation. */
export function mutate(input: Buffer, random: () => number): Buffer {
  let bytes = Buffer.from(input);
  const int = (n: number) => Math.floor(random() * Math.max(1, n));
  for (let round = 1 + int(4); round > 0; round--) {
    const at = int(bytes.length);
    switch (int(7)) {
      case 0:
        if (bytes.length > 0) bytes[at] = (bytes[at] as number) ^ (1 << int(8));
        break;
      case 1: {
        const value = INTERESTING[int(INTERESTING.length)] as number[];
        for (let i = 0; i < value.length && at + i < bytes.length; i++) bytes[at + i] = value[i] as number;
        break;
      }
      case 2:
        bytes = Buffer.concat([
          bytes.subarray(0, at),
          Buffer.from(Array.from({ length: 1 + int(16) }, () => int(256))),
          bytes.subarray(at),
        ]);
        break;
      case 3:
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + int(64))]);
        break;
      case 4: {
        const length = 1 + int(Math.min(256, bytes.length - at));
        const piece = bytes.subarray(at, at + length);
        bytes = Buffer.concat([bytes.subarray(0, at), piece, piece, piece, bytes.subarray(at)]);
        break;
      }
      case 5:
        bytes = bytes.subarray(0, at);
        break;
      default:
        if (bytes.length > 0) bytes[at] = int(256);
    }
  }
  return bytes;
}
