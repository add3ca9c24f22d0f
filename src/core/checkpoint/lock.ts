/**
 * One writer per run folder: `<output_dir>/.lock` names its holder by host, PID, boot and process
 * start time, plus a random token of this acquisition. A second trainer is refused while the holder
 * lives; a lock whose holder is gone is taken over with a warning. "Gone" includes a PID that now
 * belongs to a later process (a restarted container's trainer is PID 1 again, a requeued job may
 * get its old PID) and a lock from before the last reboot.
 *
 * The holder renews the lock every `renewEveryMs` (rewrites `renewed_at`, only while the file still
 * holds its token). Where the holder cannot be checked from here (another host sharing the folder,
 * or no process start time to compare), a lock not renewed for STALE_AFTER_PERIODS periods is stale.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorCode, errorMessage, LockError } from './errors';
import { defaultFs, makeFolders, type CheckpointFs } from './fs';
import { LOCK_FILE } from './layout';
import { systemProcessIdentity, type ProcessIdentity } from './processIdentity';

interface LockContent {
  pid: number;
  hostname: string;
  started: string;
  /** Absent in locks of older trainers. */
  boot_id?: string | null;
  process_start?: string | null;
  token?: string;
  /** Last renewal by the holder, and how often it promised to renew; absent in older locks. */
  renewed_at?: string;
  renew_every_ms?: number;
}

export interface RunLock {
  readonly path: string;
  /** Rewrites `renewed_at`; throws a LockError when the file no longer holds this acquisition's token. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

/** How often a holder renews its lock by default. */
export const LOCK_RENEW_MS = 30_000;
/** A lock not renewed for this many periods is stale (where its holder cannot be checked otherwise). */
export const STALE_AFTER_PERIODS = 10;

export interface LockHooks {
  onWarning?(message: string): void;
  fs?: CheckpointFs;
  /** Liveness check, replaceable in tests. */
  isAlive?(pid: number): boolean;
  /** Boot id and process start times, replaceable in tests. */
  identity?: ProcessIdentity;
  /** Renewal period (0: the holder never renews on its own; renew() still works). Default LOCK_RENEW_MS. */
  renewEveryMs?: number;
  /** Clock, replaceable in tests. */
  now?(): number;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(error) === 'EPERM';
  }
}

function parseLock(text: string): LockContent | null {
  try {
    const value = JSON.parse(text) as Partial<LockContent>;
    return Number.isInteger(value.pid) && typeof value.hostname === 'string' ? (value as LockContent) : null;
  } catch {
    return null;
  }
}

/** Why a same-host holder is not running any more, or null when it may be; `verified`: it is known to run. */
function goneReason(
  holder: LockContent,
  identity: ProcessIdentity,
  isAlive: (pid: number) => boolean,
): { gone: string | null; verified: boolean } {
  const bootId = identity.bootId();
  if (holder.boot_id && bootId && holder.boot_id !== bootId)
    return { gone: 'from before the machine restarted', verified: false };
  if (!isAlive(holder.pid)) return { gone: 'which is no longer running', verified: false };
  const startTime = identity.startTime(holder.pid);
  if (holder.process_start && startTime && holder.process_start !== startTime)
    return { gone: 'whose PID now belongs to a process started later (a restarted container or job)', verified: false };
  return { gone: null, verified: Boolean(holder.process_start && startTime) };
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;

/** Why a holder that promised to renew counts as gone: silent for STALE_AFTER_PERIODS periods; null otherwise. */
function staleReason(holder: LockContent, nowMs: number): string | null {
  const period = holder.renew_every_ms;
  const renewed = holder.renewed_at ? Date.parse(holder.renewed_at) : Number.NaN;
  if (!period || period <= 0 || !Number.isFinite(renewed)) return null;
  const silent = nowMs - renewed;
  return silent > STALE_AFTER_PERIODS * period
    ? `which stopped renewing it ${seconds(silent)} ago (it renews every ${seconds(period)})`
    : null;
}

/** For refusals: when the lock would count as stale on its own. */
function staleHint(holder: LockContent): string {
  return holder.renew_every_ms && holder.renewed_at
    ? `; it counts as stale once not renewed for ${seconds(STALE_AFTER_PERIODS * holder.renew_every_ms)} (last renewed ${holder.renewed_at})`
    : '';
}

/** The output folder or its lock path unusable (a file, /dev/null, no permission, a folder named .lock): bad input, one line. */
function unusable(outputDir: string, error: unknown): LockError {
  const code = errorCode(error);
  const why =
    code === 'EEXIST' || code === 'ENOTDIR'
      ? 'it is not a folder (or a path inside it is a file)'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'the file system is read-only'
          : code === 'ENOENT'
            ? `the file system refused to make a folder there (${errorMessage(error)})`
            : errorMessage(error);
  return new LockError(`output_dir ${outputDir} cannot be used: ${why}; choose another output_dir`, null, code);
}

export async function acquireRunLock(outputDir: string, hooks: LockHooks = {}): Promise<RunLock> {
  const fs = hooks.fs ?? defaultFs;
  const isAlive = hooks.isAlive ?? isProcessAlive;
  const identity = hooks.identity ?? systemProcessIdentity;
  const now = hooks.now ?? Date.now;
  const renewEveryMs = hooks.renewEveryMs ?? LOCK_RENEW_MS;
  const path = join(outputDir, LOCK_FILE);
  const token = randomBytes(16).toString('hex');
  const mine: LockContent = {
    pid: process.pid,
    hostname: hostname(),
    started: new Date(now()).toISOString(),
    boot_id: identity.bootId(),
    process_start: identity.startTime(process.pid),
    token,
    renewed_at: new Date(now()).toISOString(),
    renew_every_ms: renewEveryMs,
  };
  await makeFolders(fs, outputDir).catch((error: unknown) => {
    throw unusable(outputDir, error);
  });
  const staleAdvice = `if no trainer runs there any more, delete ${path}`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await fs.writeFile(path, JSON.stringify(mine) + '\n', { flag: 'wx' });
      return heldLock(fs, path, mine, now, renewEveryMs, hooks.onWarning);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw unusable(outputDir, error);
    }
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue; // released meanwhile: try again
      if (errorCode(error) === 'EISDIR')
        throw new LockError(`${path} is a folder, not a lock file: remove it (or choose another output_dir)`, null);
      throw unusable(outputDir, error);
    }
    const holder = parseLock(text);
    const otherHost = holder !== null && holder.hostname !== mine.hostname;
    const local = holder && !otherHost ? goneReason(holder, identity, isAlive) : { gone: null, verified: false };
    // A holder known to run keeps its lock; one that cannot be checked from here keeps it while it renews.
    const gone = !holder ? 'unreadable' : (local.gone ?? (local.verified ? null : staleReason(holder, now())));
    if (holder && gone === null && otherHost) {
      throw new LockError(
        `${outputDir} is locked by process ${holder.pid} on host ${holder.hostname} (${path})${staleHint(holder)}; ${staleAdvice}`,
        holder.pid,
      );
    }
    if (holder && gone === null) {
      throw new LockError(
        `${outputDir} is in use by another trainer (PID ${holder.pid}, since ${holder.started}); stop it or choose another output_dir; ${staleAdvice}`,
        holder.pid,
      );
    }
    // Gone (or a lock file cut short by a crash): move it aside atomically, check we moved the stale one.
    const aside = `${path}.stale-${process.pid}`;
    try {
      await fs.rename(path, aside);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue;
      throw error;
    }
    const moved = await fs.readFile(aside, 'utf8');
    if (moved !== text) {
      await fs.rename(aside, path); // another trainer took it over first: give it back
      continue;
    }
    await fs.unlink(aside);
    hooks.onWarning?.(
      holder
        ? `took over the lock of ${outputDir} left by process ${holder.pid}${otherHost ? ` on host ${holder.hostname}` : ''}, ${gone}`
        : `replaced an unreadable lock file ${path} (left by a crashed trainer)`,
    );
  }
  throw new LockError(`could not acquire ${path}: other trainers keep taking it`, null);
}

/** The acquired lock: renewed every `renewEveryMs` until released (a failed renewal is a warning). */
function heldLock(
  fs: CheckpointFs,
  path: string,
  mine: LockContent,
  now: () => number,
  renewEveryMs: number,
  onWarning?: (message: string) => void,
): RunLock {
  let renewing: Promise<void> = Promise.resolve();
  const renew = (): Promise<void> =>
    (renewing = renewing.catch(() => undefined).then(() => renewLock(fs, path, mine, now)));
  const timer =
    renewEveryMs > 0
      ? setInterval(() => renew().catch((error: unknown) => onWarning?.(errorMessage(error))), renewEveryMs)
      : undefined;
  timer?.unref(); // never what keeps a process alive
  return {
    path,
    renew,
    release: async () => {
      clearInterval(timer);
      await renewing.catch(() => undefined);
      await releaseLock(fs, path, mine.token as string);
    },
  };
}

/** Rewrites renewed_at, atomically, while the lock file still holds this acquisition's token. */
async function renewLock(fs: CheckpointFs, path: string, mine: LockContent, now: () => number): Promise<void> {
  let holder: LockContent | null;
  try {
    holder = parseLock(await fs.readFile(path, 'utf8'));
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    holder = null;
  }
  if (holder?.token !== mine.token) {
    const by = holder ? `process ${holder.pid} on host ${holder.hostname}` : 'nobody (the file was deleted)';
    throw new LockError(
      `lost the lock ${path}: it is now held by ${by}; another trainer may be writing into this run folder`,
      holder?.pid ?? null,
    );
  }
  mine.renewed_at = new Date(now()).toISOString();
  const next = `${path}.renew-${mine.token}`;
  await fs.writeFile(next, JSON.stringify(mine) + '\n');
  await fs.rename(next, path);
}

/** Removes the lock only if it is still this acquisition's (its token), never a successor's. */
async function releaseLock(fs: CheckpointFs, path: string, token: string): Promise<void> {
  try {
    const holder = parseLock(await fs.readFile(path, 'utf8'));
    if (holder?.token === token) await fs.unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}
