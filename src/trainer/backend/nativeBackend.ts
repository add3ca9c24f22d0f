/**
 * The native TensorFlow bindings (`@tensorflow/tfjs-node` and `@tensorflow/tfjs-node-gpu`): never
 * dependencies (they download libtensorflow at install time and need CUDA 11.2 + cuDNN 8.1 for the
 * GPU), loaded only if the user installed one where the trainer can find it.
 */
import * as tf from '@tensorflow/tfjs';
import { electronHint, firstLine, requireAtRuntime, resolveOptional } from './optionalModule';

export type NativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';
/** Something the run's log should say about the backend (a software adapter, native output while loading). */
export interface BackendNote {
  code: string;
  message: string;
}
/** `software`: a GPU backend that runs on a software (CPU) adapter. */
export type Attempt =
  { ok: true; detail?: string; software?: boolean; notes?: BackendNote[] } | { ok: false; reason: string };

/** Both packages register the backend `tensorflow`: only one can load per process. */
let loadedPackage: NativePackage | null = null;

/**
 * Loads the binding (which registers the `tensorflow` backend with the shared tfjs engine).
 * `device` limits tfjs-node-gpu to that GPU through CUDA_VISIBLE_DEVICES, set before the load.
 */
export function loadNative(pkg: NativePackage, device: number | null): Attempt {
  if (loadedPackage && loadedPackage !== pkg)
    return {
      ok: false,
      reason: `${loadedPackage} is already loaded in this process (both register the "tensorflow" backend)`,
    };
  const resolved = resolveOptional(pkg);
  if (!resolved.found)
    return {
      ok: false,
      reason: `${resolved.reason.replace(/ \(looked from.*\)$/, '')} (optional: npm install ${pkg} in the project)`,
    };
  if (pkg === '@tensorflow/tfjs-node-gpu' && device !== null) process.env.CUDA_VISIBLE_DEVICES = String(device);
  try {
    requireAtRuntime(resolved.path);
  } catch (error) {
    return {
      ok: false,
      reason: `${pkg} is installed but failed to load: ${firstLine((error as Error).message)}${electronHint()}`,
    };
  }
  loadedPackage = pkg;
  // tfjs keeps its engine on globalThis, so a binding with its own copy of tfjs-core still registers here.
  if (!tf.findBackend('tensorflow')) {
    return {
      ok: false,
      reason: `${pkg} loaded but did not register its backend with this tfjs ${tf.version.tfjs} (install the same version)`,
    };
  }
  return { ok: true };
}
