/**
 * Puts the wasm backend's matrix products on a system BLAS (config `blas`, `cpu_threads`): the
 * rest of the step stays in WebAssembly. `auto` uses a BLAS when one loads and otherwise says why
 * not; a library the user named must load, or the run stops before it starts.
 */
import { loadBlas, registerBlasKernels, unregisterBlasKernels } from './index';
import { InputError } from '../../util/errors';

export interface BlasRequest {
  /** 'auto', 'off', or a library path or file name. */
  library: string;
  /** null = the loader's default (cores - 1, between 1 and 4). */
  threads: number | null;
}

export const DEFAULT_BLAS_REQUEST: BlasRequest = { library: 'auto', threads: null };

export interface BlasInUse {
  /** What the library says it is, e.g. "OpenBLAS 0.3.21 SkylakeX". */
  name: string;
  library: string;
  threads: number;
}

export type BlasOutcome = { active: true; blas: BlasInUse } | { active: false; reason: string };

/** Call with the wasm backend active. Registers (or removes) the BLAS matmul kernels. */
export function accelerateWasm(request: BlasRequest): BlasOutcome {
  if (request.library === 'off') {
    unregisterBlasKernels();
    return { active: false, reason: 'blas: off in the config' };
  }
  const named = request.library !== 'auto';
  const loaded = loadBlas({
    ...(named ? { library: request.library } : {}),
    ...(request.threads !== null ? { threads: request.threads } : {}),
  });
  if (!loaded.ok) {
    unregisterBlasKernels();
    if (named)
      throw new InputError(
        `blas: ${loaded.reason}; set blas to auto, off, or the path of an OpenBLAS, MKL or BLIS library`,
        'blas',
      );
    return { active: false, reason: loaded.reason };
  }
  registerBlasKernels(loaded.blas);
  return { active: true, blas: { name: loaded.blas.name, library: loaded.blas.library, threads: loaded.blas.threads } };
}

/** The phrase the backend's reason ends with. */
export function describeBlas(outcome: BlasOutcome): string {
  return outcome.active
    ? `matrix products on ${outcome.blas.name} (${outcome.blas.threads} thread${outcome.blas.threads === 1 ? '' : 's'})`
    : `matrix products in WebAssembly (no system BLAS: ${outcome.reason})`;
}
