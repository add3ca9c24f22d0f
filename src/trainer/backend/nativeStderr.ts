/**
 * Native libraries (Dawn, Mesa's Vulkan driver) write warnings straight to file descriptor 2, which
 * would break the command line's contract (a failing command prints one line on stderr). While
 * `fn` loads them, fd 2 points at a temporary file (dup/dup2 through the optional koffi); what
 * landed there is returned so the caller can log it once, labelled. Without koffi, or on Windows,
 * `fn` runs uncaptured and `captured` says why.
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NativeFunction, requireKoffi } from '../accel';
import { requireAtRuntime, resolveOptional } from './optionalModule';

export interface Captured<T> {
  value: T;
  /** What native code (or anything else) wrote to fd 2 meanwhile, trimmed; '' when nothing. */
  output: string;
  /** Whether fd 2 was really redirected. */
  captured: boolean;
}

interface Libc {
  dup: NativeFunction;
  dup2: NativeFunction;
  close: NativeFunction;
}

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  const name = process.platform === 'linux' ? 'libc.so.6' : process.platform === 'darwin' ? 'libSystem.B.dylib' : null;
  // Found like the other optional packages: the bundle may sit apart from any node_modules.
  const resolved = resolveOptional('koffi');
  const koffi = requireKoffi(resolved.found ? () => requireAtRuntime(resolved.path) : undefined);
  if (name && koffi.ok) {
    try {
      const lib = koffi.koffi.load(name);
      libc = {
        dup: lib.func('int dup(int fd)'),
        dup2: lib.func('int dup2(int fd, int fd2)'),
        close: lib.func('int close(int fd)'),
      };
    } catch {
      libc = null;
    }
  }
  return libc;
}

/** Only one capture at a time: nested or parallel ones would restore each other's fd 2. */
let active = false;

export async function captureNativeStderr<T>(fn: () => Promise<T>): Promise<Captured<T>> {
  const c = active ? null : loadLibc();
  if (!c) return { value: await fn(), output: '', captured: false };
  const dir = mkdtempSync(join(tmpdir(), 'training-runs-stderr-'));
  const file = join(dir, 'stderr.txt');
  const fd = openSync(file, 'w+');
  const saved = c.dup(2) as number;
  if (saved < 0 || (c.dup2(fd, 2) as number) < 0) {
    if (saved >= 0) c.close(saved);
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
    return { value: await fn(), output: '', captured: false };
  }
  active = true;
  try {
    const value = await fn();
    return { value, output: readFileSync(file, 'utf8').trim(), captured: true };
  } finally {
    c.dup2(saved, 2);
    c.close(saved);
    active = false;
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
