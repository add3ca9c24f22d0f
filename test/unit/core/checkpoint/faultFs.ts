/**
 * Fault-injecting file systems for the checkpoint engine's tests. `virtualFs` serves a folder under
 * a path that does not exist on disk, so any call that bypasses the injected fs fails loudly (ENOENT
 * on the real disk) instead of silently reading the same files; it counts every call and every open
 * handle, and lets a test replace any method while still translating paths.
 */
import * as nodeFs from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CheckpointFs } from '../../../../src/core/checkpoint/fs';
import { systemError } from './helpers';

type Method = keyof CheckpointFs;
type Handle = Awaited<ReturnType<typeof nodeFs.open>>;
const METHODS: Method[] = [
  'open',
  'readFile',
  'writeFile',
  'rename',
  'rm',
  'readdir',
  'stat',
  'lstat',
  'mkdir',
  'unlink',
];
/** Arguments that are paths, by method. */
const PATH_ARGS: Record<Method, number[]> = {
  open: [0],
  readFile: [0],
  writeFile: [0],
  rename: [0, 1],
  rm: [0],
  readdir: [0],
  stat: [0],
  lstat: [0],
  mkdir: [0],
  unlink: [0],
};

export interface VirtualFs {
  fs: CheckpointFs;
  /** The path under which the real folder is served; it does not exist on disk. */
  root: string;
  /** Calls made, by method. */
  calls: Record<Method, number>;
  /** Handles opened and not yet closed. */
  openHandles(): number;
  /** Replaces a method; `real` is the path-translating original, paths given to `override` are virtual. */
  override<M extends Method>(method: M, override: (real: CheckpointFs[M]) => CheckpointFs[M]): void;
  /** The real path of a virtual one. */
  real(path: string): string;
}

export function virtualFs(realRoot: string): VirtualFs {
  const root = join(sep, 'virtual-run-does-not-exist', String(process.pid));
  const real = (path: string): string => {
    const rel = relative(root, path);
    if (rel.startsWith('..'))
      throw new Error(`virtualFs: ${path} is outside ${root}: a test passes a real path to the injected fs`);
    return join(realRoot, rel);
  };
  const calls = Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<Method, number>;
  let open = 0;
  const translated = {} as Record<Method, (...args: unknown[]) => Promise<unknown>>;
  for (const method of METHODS) {
    translated[method] = async (...args: unknown[]) => {
      const mapped = args.map((a, i) => (PATH_ARGS[method].includes(i) && typeof a === 'string' ? real(a) : a));
      const result = await (nodeFs[method] as (...a: unknown[]) => Promise<unknown>)(...mapped);
      return method === 'open' ? countedHandle(result as Handle) : result;
    };
  }
  const countedHandle = (handle: Handle): Handle => {
    open++;
    const close = handle.close.bind(handle);
    handle.close = async () => {
      open--;
      await close();
    };
    return handle;
  };
  const current = { ...translated };
  const fs = Object.fromEntries(
    METHODS.map((m) => [
      m,
      (...args: unknown[]) => {
        calls[m]++;
        return current[m](...args);
      },
    ]),
  ) as unknown as CheckpointFs;
  return {
    fs,
    root,
    calls,
    openHandles: () => open,
    real,
    override(method, make) {
      current[method] = make(translated[method] as unknown as CheckpointFs[typeof method]) as unknown as (
        ...args: unknown[]
      ) => Promise<unknown>;
    },
  };
}

/** A rename that fails once with ENOSPC when `when(from, to)` holds, then behaves. */
export function failRenameOnce(v: VirtualFs, when: (from: string, to: string) => boolean): { failed: () => boolean } {
  let failed = false;
  v.override(
    'rename',
    (real) =>
      (async (from: string, to: string) => {
        if (!failed && when(from, to)) {
          failed = true;
          throw systemError('ENOSPC', `no space left on device, rename '${from}' -> '${to}'`);
        }
        return real(from, to);
      }) as CheckpointFs['rename'],
  );
  return { failed: () => failed };
}

/**
 * An rm that dies half-way through a folder, like a process killed mid-delete: it removes the
 * folder's first file (by name), then throws.
 */
export function crashingRm(v: VirtualFs, when: (path: string) => boolean): { crashedOn: string[] } {
  const crashedOn: string[] = [];
  v.override(
    'rm',
    (real) =>
      (async (path: string, options?: Parameters<typeof nodeFs.rm>[1]) => {
        if (!when(path)) return real(path, options);
        const first = (await nodeFs.readdir(v.real(path))).sort()[0];
        if (first) await nodeFs.rm(join(v.real(path), first), { recursive: true, force: true });
        crashedOn.push(path);
        throw systemError('ECRASH', `killed while deleting ${path}`);
      }) as CheckpointFs['rm'],
  );
  return { crashedOn };
}

/** A replacement for any fs or handle method that always fails with `code`. */
export function alwaysFails<F>(code: string): F {
  return (async () => {
    throw systemError(code);
  }) as unknown as F;
}
