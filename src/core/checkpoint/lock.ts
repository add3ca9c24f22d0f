/**
 * One writer per run folder: `<output_dir>/.lock` names its holder by host, PID, boot and process
 * start time, plus a random token of this acquisition. A second trainer is refused while the holder
 * lives; a lock whose holder is gone is taken over with a warning. "Gone" includes a PID that now
 * belongs to a later process (a restarted container's trainer is PID 1 again, a requeued job may
 * get its old PID) and a lock from before the last reboot.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorCode, errorMessage, LockError } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
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
}

export interface RunLock {
  readonly path: string;
  release(): Promise<void>;
}

export interface LockHooks {
  onWarning?(message: string): void;
  fs?: CheckpointFs;
  /** Liveness check, replaceable in tests. */
  isAlive?(pid: number): boolean;
  /** Boot id and process start times, replaceable in tests. */
  identity?: ProcessIdentity;
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

/** Why a same-host holder is not running any more, or null when it may be. */
function goneReason(holder: LockContent, identity: ProcessIdentity, isAlive: (pid: number) => boolean): string | null {
  const bootId = identity.bootId();
  if (holder.boot_id && bootId && holder.boot_id !== bootId) return 'from before the machine restarted';
  if (!isAlive(holder.pid)) return 'which is no longer running';
  const startTime = identity.startTime(holder.pid);
  if (holder.process_start && startTime && holder.process_start !== startTime) return 'whose PID now belongs to a process started later (a restarted container or job)';
  return null;
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
          : errorMessage(error);
  return new LockError(`output_dir ${outputDir} cannot be used: ${why}; choose another output_dir`, null, code);
}

export async function acquireRunLock(outputDir: string, hooks: LockHooks = {}): Promise<RunLock> {
  const fs = hooks.fs ?? defaultFs;
  const isAlive = hooks.isAlive ?? isProcessAlive;
  const identity = hooks.identity ?? systemProcessIdentity;
  const path = join(outputDir, LOCK_FILE);
  const token = randomBytes(16).toString('hex');
  const mine: LockContent = {
    pid: process.pid,
    hostname: hostname(),
    started: new Date().toISOString(),
    boot_id: identity.bootId(),
    process_start: identity.startTime(process.pid),
    token,
  };
  await fs.mkdir(outputDir, { recursive: true }).catch((error: unknown) => {
    throw unusable(outputDir, error);
  });
  const staleAdvice = `if no trainer runs there any more, delete ${path}`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await fs.writeFile(path, JSON.stringify(mine) + '\n', { flag: 'wx' });
      return { path, release: () => releaseLock(fs, path, token) };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw unusable(outputDir, error);
    }
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue; // released meanwhile: try again
      if (errorCode(error) === 'EISDIR') throw new LockError(`${path} is a folder, not a lock file: remove it (or choose another output_dir)`, null);
      throw unusable(outputDir, error);
    }
    const holder = parseLock(text);
    if (holder && holder.hostname !== mine.hostname) {
      throw new LockError(`${outputDir} is locked by process ${holder.pid} on host ${holder.hostname} (${path}); ${staleAdvice}`, holder.pid);
    }
    const gone = holder ? goneReason(holder, identity, isAlive) : 'unreadable';
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
        ? `took over the lock of ${outputDir} left by process ${holder.pid}, ${gone}`
        : `replaced an unreadable lock file ${path} (left by a crashed trainer)`,
    );
  }
  throw new LockError(`could not acquire ${path}: other trainers keep taking it`, null);
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
