/**
 * A run's listing index, `checkpoints/.index.json`: the listing row of every valid checkpoint,
 * rewritten by the checkpoint manager after each commit and retention pass. Listing many runs then
 * reads one small file per run instead of quick-validating every checkpoint (which stats every file
 * and reads the state files): what the extension does on start-up and after each save.
 *
 * What it trusts: a committed checkpoint folder is never modified in place, so an entry stands for
 * as long as a folder of that name exists. Folders the index does not name (older trainers, other
 * tools, interrupted updates) are validated as usual; entries whose folder is gone are ignored. A
 * file changed inside a committed checkpoint after the fact is not seen here: exact listing
 * (`useIndex: false`, the default) and every resume validate the files themselves.
 * It is a cache: not fsynced, rebuilt when unreadable, and never a reason for a save to fail.
 */
import { join } from 'node:path';
import type { CheckpointFs } from './fs';
import { TEMP_PREFIX } from './layout';
import type { CheckpointInfo } from './types';

export const LISTING_INDEX_FILE = '.index.json';
const FORMAT = 'training-runs-checkpoint-index';

/** A valid checkpoint's listing row as committed, plus its save counter (orders equal modification times). */
export interface IndexedCheckpoint {
  name: string;
  step: number | null;
  mtimeMs: number;
  saveCounter: number;
  optimizer: CheckpointInfo['optimizer'];
  scheduler: CheckpointInfo['scheduler'];
  trainer: NonNullable<CheckpointInfo['trainer']> | null;
}

/** The entries by folder name; null when there is no index or it cannot be used (then nothing is trusted). */
export async function readListingIndex(checkpointsDir: string, fs: CheckpointFs): Promise<Map<string, IndexedCheckpoint> | null> {
  let raw: unknown;
  try {
    raw = JSON.parse((await fs.readFile(join(checkpointsDir, LISTING_INDEX_FILE))).toString('utf8'));
  } catch {
    return null; // absent or unreadable (not JSON, e.g. cut short by a power loss): validate instead
  }
  if (!isRecord(raw) || raw['format'] !== FORMAT || raw['version'] !== 1 || !Array.isArray(raw['checkpoints'])) return null;
  const entries = raw['checkpoints'] as unknown[];
  // One bad entry and the whole file is suspect (written by something else): trust none of it.
  return entries.every(isIndexedCheckpoint) ? new Map(entries.map((e) => [e.name, e])) : null;
}

// Hand-written checks rather than a zod schema: listing reads one index per run and a schema
// parse tripled the time (0.3 of 0.8 ms per 100 entries); the shapes are small and fixed.
const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isNullableNumber = (x: unknown): boolean => x === null || isNumber(x);
const isNullableString = (x: unknown): boolean => x === null || typeof x === 'string';
const valuesAre = (x: unknown, ok: (v: unknown) => boolean): boolean => isRecord(x) && Object.values(x).every(ok);

function isIndexedCheckpoint(x: unknown): x is IndexedCheckpoint {
  if (!isRecord(x) || typeof x['name'] !== 'string' || !isNumber(x['mtimeMs']) || !Number.isInteger(x['saveCounter'])) return false;
  if (!(x['step'] === null || (Number.isInteger(x['step']) && (x['step'] as number) >= 0))) return false;
  const o = x['optimizer'];
  const optimizerOk =
    o === null ||
    (isRecord(o) &&
      typeof o['type'] === 'string' &&
      valuesAre(o['hyperparameters'], (v) => v === null || ['number', 'boolean', 'string'].includes(typeof v)) &&
      isNumber(o['iterations']) &&
      Array.isArray(o['slotKinds']) &&
      o['slotKinds'].every((k) => typeof k === 'string') &&
      isNumber(o['variables']) &&
      isNumber(o['bytes']));
  const c = x['scheduler'];
  const schedulerOk =
    c === null ||
    (isRecord(c) &&
      typeof c['type'] === 'string' &&
      valuesAre(c['config'], (v) => v === null || ['number', 'string'].includes(typeof v)) &&
      isNumber(c['step']) &&
      isNumber(c['last_lr']) &&
      isNullableNumber(c['next_lr']));
  const t = x['trainer'];
  const trainerOk = t === null || (isRecord(t) && isNullableNumber(t['loss']) && isNullableString(t['bestCheckpoint']));
  return optimizerOk && schedulerOk && trainerOk;
}

/** Replaces the index atomically (write a temporary file, rename over). Not fsynced: a cache. */
export async function writeListingIndex(checkpointsDir: string, fs: CheckpointFs, entries: Iterable<IndexedCheckpoint>): Promise<void> {
  const target = join(checkpointsDir, LISTING_INDEX_FILE);
  // The temporary name starts like every other leftover the next save sweeps up.
  const temp = join(checkpointsDir, `${TEMP_PREFIX}index-${process.pid}-${Date.now()}.json`);
  const body = { format: FORMAT, version: 1, checkpoints: [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
  try {
    await fs.writeFile(temp, JSON.stringify(body));
    await fs.rename(temp, target);
  } catch (error) {
    // A write cut short (ENOSPC) leaves a partial file: never leave it behind.
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
