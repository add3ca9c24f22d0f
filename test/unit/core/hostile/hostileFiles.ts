/** Helpers for the hostile-input tests: temporary folders, sparse files, and timing of a refusal. */
import { mkdtempSync, openSync, closeSync, rmSync, ftruncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder per test, removed afterwards. */
export function useTempDir(prefix: string): () => string {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}

/** A file of `size` bytes that takes no disk space: `head` at offset 0 and `tail` at the end, zeros (holes) between. */
export function writeSparse(path: string, size: number, head: Buffer, tail: Buffer = Buffer.alloc(0)): string {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    writeSync(fd, head, 0, head.length, 0);
    if (tail.length > 0) writeSync(fd, tail, 0, tail.length, size - tail.length);
  } finally {
    closeSync(fd);
  }
  return path;
}
