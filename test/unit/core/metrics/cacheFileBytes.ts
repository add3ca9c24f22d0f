/** Builds and takes apart .metrics.cache files in the tests, independently of metricsCache.ts's writer. */

/** The cache file's header (JSON) and everything after it and its padding (the columns). */
export function splitCache(bytes: Buffer): { header: Record<string, unknown>; columns: Buffer } {
  const length = bytes.readUInt32LE(4);
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + length)) as Record<string, unknown>;
  return { header, columns: bytes.subarray(8 + length + ((8 - ((8 + length) % 8)) % 8)) };
}

/** A cache file with this header text (not re-serialised, so padding inside it stays) and these columns. */
export function cacheWith(headerText: string, columns: Buffer): Buffer {
  const bytes = Buffer.from(headerText, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.write('TRMC', 0, 'latin1');
  prefix.writeUInt32LE(bytes.length, 4);
  return Buffer.concat([prefix, bytes, Buffer.alloc((8 - ((8 + bytes.length) % 8)) % 8), columns]);
}
