/**
 * Reading small files of a checkpoint or config with a size limit, and JSON with a nesting limit.
 * Only regular files are read: a FIFO or a character device (a symlink to /dev/zero) would block or
 * never end, and its stat size (0) says nothing about what a read returns.
 */
import * as nodeFs from 'node:fs/promises';
import { READ_LIMITS, ReadLimitError } from './readLimits';

type StatFs = Pick<typeof nodeFs, 'stat' | 'readFile'>;

/** The file's size after checking it is a regular file no larger than `maxBytes`. */
export async function regularFileSize(path: string, maxBytes: number, fs: StatFs = nodeFs): Promise<number> {
  const info = await fs.stat(path);
  if (!info.isFile())
    throw new Error(`${path}: not a regular file (a folder, FIFO, socket or device); only regular files are read`);
  if (info.size > maxBytes) throw new ReadLimitError(path, 'size', maxBytes, `is ${info.size} bytes`);
  return info.size;
}

/** The file as UTF-8 text, refusing non-regular files and files over `maxBytes`. */
export async function readBoundedText(path: string, maxBytes: number, fs: StatFs = nodeFs): Promise<string> {
  await regularFileSize(path, maxBytes, fs);
  const text = await fs.readFile(path, 'utf8');
  // Grown between the stat and the read: still bounded by what was allowed.
  if (text.length > maxBytes) throw new ReadLimitError(path, 'size', maxBytes, 'grew while being read');
  return text;
}

/**
 * The deepest nesting of arrays and objects in JSON text, scanned in linear time without parsing,
 * stopping as soon as `limit` is passed. Brackets inside strings do not count.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

/** JSON.parse after the nesting check; errors name `label`. */
export function parseBoundedJson(text: string, label: string, maxDepth: number = READ_LIMITS.jsonDepth): unknown {
  if (jsonDepthExceeds(text, maxDepth))
    throw new ReadLimitError(label, 'JSON nesting', maxDepth, 'is deeper than allowed');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${label}: not valid JSON (${(error as Error).message})`);
  }
}
