/**
 * A run's listing index, `checkpoints/.index.json`: the listing row of every valid checkpoint,
 * rewritten by the checkpoint manager after each commit and retention pass. Listing many runs then
 * reads one small file per run and one lstat per checkpoint instead of quick-validating every
 * checkpoint (which stats every file and reads the state files): what the extension does on
 * start-up and after each save.
 *
 * It may only ever save time, never change an answer: a row is used only while its folder's
 * manifest is the very file it was made from (inode, size, modification and change time) and its
 * step agrees with the folder's name; otherwise that folder is read. A same-name replace that was
 * killed before the index update, a rollback, or a hand-edited row are all read afresh. Folders
 * the index does not name are validated as usual; entries whose folder is gone are ignored. A file
 * changed inside a committed checkpoint (the manifest untouched) is not seen here: exact listing
 * (`useIndex: false`, the default) and every resume validate the files themselves.
 * It is a cache: not fsynced, rebuilt when unreadable, and never a reason for a save to fail.
 */
import { parseBoundedJson } from '../limits/boundedFile';
import { READ_LIMITS } from '../limits/readLimits';
import { join } from 'node:path';
import type { CheckpointFs } from './fs';
import { readRegularText } from './hashedIo';
import { ownTempName, stepFromName } from './layout';
import type { ManifestIdentity } from './validate';
import type { CheckpointInfo } from './types';

export const LISTING_INDEX_FILE = '.index.json';
const FORMAT = 'training-runs-checkpoint-index';
/** 2: rows carry their manifest's identity; rows of version 1 cannot be checked, so such an index is not used. */
const VERSION = 2;

/** A valid checkpoint's listing row as committed, plus its save counter (orders equal modification times). */
export interface IndexedCheckpoint {
  name: string;
  step: number | null;
  mtimeMs: number;
  saveCounter: number;
  optimizer: CheckpointInfo['optimizer'];
  scheduler: CheckpointInfo['scheduler'];
  trainer: NonNullable<CheckpointInfo['trainer']> | null;
  /** The manifest file the row was made from. */
  manifest: ManifestIdentity;
}

/** Whether `entry` still describes its folder, whose manifest is now `current` (null: none or unreadable). */
export function entryMatchesFolder(entry: IndexedCheckpoint, current: ManifestIdentity | null): boolean {
  if (!current) return false;
  const m = entry.manifest;
  const sameFile =
    m.ino === current.ino && m.size === current.size && m.mtimeMs === current.mtimeMs && m.ctimeMs === current.ctimeMs;
  const nameStep = stepFromName(entry.name);
  return sameFile && entry.mtimeMs === current.mtimeMs && (nameStep === null || entry.step === nameStep);
}

/** The entries by folder name; null when there is no index or it cannot be used (then nothing is trusted). */
export async function readListingIndex(
  checkpointsDir: string,
  fs: CheckpointFs,
): Promise<Map<string, IndexedCheckpoint> | null> {
  let raw: unknown;
  try {
    const path = join(checkpointsDir, LISTING_INDEX_FILE);
    raw = parseBoundedJson(await readRegularText(fs, path, READ_LIMITS.jsonFileBytes), path);
  } catch {
    return null; // absent, unreadable, over the limits or not JSON (cut short by a power loss): validate instead
  }
  if (!isRecord(raw) || raw['format'] !== FORMAT || raw['version'] !== VERSION || !Array.isArray(raw['checkpoints']))
    return null;
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
  if (!isRecord(x) || typeof x['name'] !== 'string' || !isNumber(x['mtimeMs']) || !Number.isInteger(x['saveCounter']))
    return false;
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
  const m = x['manifest'];
  const manifestOk =
    isRecord(m) && isNumber(m['ino']) && isNumber(m['size']) && isNumber(m['mtimeMs']) && isNumber(m['ctimeMs']);
  return optimizerOk && schedulerOk && trainerOk && manifestOk;
}

/** Replaces the index atomically (write a temporary file, rename over). Not fsynced: a cache. */
export async function writeListingIndex(
  checkpointsDir: string,
  fs: CheckpointFs,
  entries: Iterable<IndexedCheckpoint>,
): Promise<void> {
  const target = join(checkpointsDir, LISTING_INDEX_FILE);
  // The temporary name starts like every other leftover the next save sweeps up.
  const temp = join(checkpointsDir, ownTempName(`index-${process.pid}-${Date.now()}.json`));
  const body = {
    format: FORMAT,
    version: VERSION,
    checkpoints: [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
  try {
    await fs.writeFile(temp, JSON.stringify(body));
    await fs.rename(temp, target);
  } catch (error) {
    // A write cut short (ENOSPC) leaves a partial file: never leave it behind.
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
