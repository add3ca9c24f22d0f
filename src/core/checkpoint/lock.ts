/**
 * One writer per run folder: `<output_dir>/.lock` holds the owner's PID and host. A second trainer is
 * refused; a lock whose process is dead (same host) is taken over with a warning.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorCode } from './errors';
import { LockError } from './errors';
import { defaultFs, type CheckpointFs } from './fs';
import { LOCK_FILE } from './layout';

interface LockContent {
  pid: number;
  hostname: string;
  started: string;
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

export async function acquireRunLock(outputDir: string, hooks: LockHooks = {}): Promise<RunLock> {
  const fs = hooks.fs ?? defaultFs;
  const isAlive = hooks.isAlive ?? isProcessAlive;
  const path = join(outputDir, LOCK_FILE);
  const mine: LockContent = { pid: process.pid, hostname: hostname(), started: new Date().toISOString() };
  await fs.mkdir(outputDir, { recursive: true });
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await fs.writeFile(path, JSON.stringify(mine) + '\n', { flag: 'wx' });
      return { path, release: () => releaseLock(fs, path) };
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue; // released meanwhile: try again
      throw error;
    }
    const holder = parseLock(text);
    if (holder && holder.hostname !== mine.hostname) {
      throw new LockError(
        `${outputDir} is locked by process ${holder.pid} on host ${holder.hostname} (${path}); if that trainer is gone, delete the lock file`,
        holder.pid,
      );
    }
    if (holder && (holder.pid === process.pid || isAlive(holder.pid))) {
      throw new LockError(
        `${outputDir} is in use by another trainer (PID ${holder.pid}, since ${holder.started}); stop it or choose another output_dir`,
        holder.pid,
      );
    }
    // Dead holder (or a lock file cut short by a crash): move it aside atomically, check we moved the stale one.
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
        ? `took over the lock of ${outputDir} left by process ${holder.pid}, which is no longer running`
        : `replaced an unreadable lock file ${path} (left by a crashed trainer)`,
    );
  }
  throw new LockError(`could not acquire ${path}: other trainers keep taking it`, null);
}

async function releaseLock(fs: CheckpointFs, path: string): Promise<void> {
  try {
    const holder = parseLock(await fs.readFile(path, 'utf8'));
    if (holder?.pid === process.pid) await fs.unlink(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}
