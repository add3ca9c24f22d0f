/**
 * koffi (an optional dependency) loaded on demand, typed as far as the loader uses it. The types are
 * declared here rather than imported so the project type-checks where koffi is not installed.
 */

export type NativeFunction = (...args: unknown[]) => unknown;

export interface NativeLibrary {
  func(signature: string): NativeFunction;
}

export interface Koffi {
  load(path: string): NativeLibrary;
}

export type KoffiLoad = { ok: true; koffi: Koffi } | { ok: false; reason: string };

/** `load` is for tests, which stand in a missing or broken koffi. */
export function requireKoffi(load: () => unknown = () => require('koffi')): KoffiLoad {
  try {
    // Lazily: requiring it at module top level would break every import of the kernels where it is absent.
    return { ok: true, koffi: load() as Koffi };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && /'koffi'/.test(e.message))
      return { ok: false, reason: 'koffi is not installed (optional dependency; npm install koffi)' };
    return { ok: false, reason: `koffi failed to load: ${firstLine(e.message)}` };
  }
}

/** The function, or null when the library does not export it. */
export function optionalFunc(lib: NativeLibrary, signature: string): NativeFunction | null {
  try {
    return lib.func(signature);
  } catch {
    return null;
  }
}

export function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
