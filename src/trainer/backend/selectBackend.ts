/**
 * Picks the tfjs backend. `auto` tries the native GPU and CPU bindings (only if the user installed
 * them; neither is a dependency), then wasm, then cpu, and records why each was skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendName } from '../../core/config/types';
import { InputError } from '../util/errors';

export interface BackendChoice {
  /** tfjs backend name actually running. */
  name: string;
  reason: string;
  skipped: Array<{ name: string; reason: string }>;
}

/** What `-d/--device` or the config asked for: a backend, and a GPU index for the native GPU one. */
export interface BackendRequest {
  backend: BackendName;
  device: number | null;
}

/** `-d` takes a GPU index, `cpu` or `wasm`. */
export function parseDevice(value: string): BackendRequest {
  if (value === 'cpu' || value === 'wasm') return { backend: value, device: null };
  if (/^\d+$/.test(value)) return { backend: 'tensorflow-gpu', device: Number(value) };
  throw new InputError(`-d/--device must be a GPU index (0, 1, ...), "cpu" or "wasm", not "${value}"`, 'device');
}

type Attempt = { ok: true } | { ok: false; reason: string };

/** Native bindings are optional: loaded with a plain runtime require that the bundler leaves alone (marked external). */
function loadNative(moduleName: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu'): Attempt {
  try {
    if (moduleName === '@tensorflow/tfjs-node-gpu') require('@tensorflow/tfjs-node-gpu');
    else require('@tensorflow/tfjs-node');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && e.message.includes(moduleName)) return { ok: false, reason: `${moduleName} is not installed (optional: npm install ${moduleName})` };
    const electron = process.versions.electron ? ' (native addons do not load in VS Code\'s Electron: set the trainer to run with a system node)' : '';
    return { ok: false, reason: `${moduleName} is installed but failed to load: ${firstLine(e.message)}${electron}` };
  }
  if (!tf.findBackend('tensorflow')) {
    return { ok: false, reason: `${moduleName} loaded but registered its backend with another copy of @tensorflow/tfjs (versions differ from ${tf.version.tfjs})` };
  }
  return { ok: true };
}

async function activate(name: string): Promise<Attempt> {
  try {
    if (name === 'wasm') {
      // In the bundle the .wasm files sit in dist/wasm next to trainer.js; unbundled, tfjs finds its own.
      const bundled = join(__dirname, 'wasm');
      if (existsSync(join(bundled, 'tfjs-backend-wasm-simd.wasm'))) setWasmPaths(`${bundled}/`);
    }
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name ? { ok: true } : { ok: false, reason: `tf.setBackend('${name}') failed to initialise` };
  } catch (error) {
    return { ok: false, reason: firstLine((error as Error).message) };
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

export async function selectBackend(request: BackendRequest): Promise<BackendChoice> {
  tf.enableProdMode();
  const skipped: BackendChoice['skipped'] = [];
  const explicit = request.backend !== 'auto';
  const fail = (name: string, reason: string): never => {
    throw new InputError(`backend ${name} was asked for but cannot be used: ${reason}`, 'backend');
  };

  const tryNative = async (name: 'tensorflow-gpu' | 'tensorflow'): Promise<BackendChoice | null> => {
    if (name === 'tensorflow-gpu' && request.device !== null) process.env.CUDA_VISIBLE_DEVICES = String(request.device);
    const loaded = loadNative(name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
    const active = loaded.ok ? await activate('tensorflow') : loaded;
    if (active.ok) {
      const where = name === 'tensorflow-gpu' ? `GPU ${request.device ?? 0} via @tensorflow/tfjs-node-gpu` : 'native TensorFlow CPU via @tensorflow/tfjs-node';
      return { name: 'tensorflow', reason: `${explicit ? 'requested' : 'auto: first available'}: ${where}`, skipped };
    }
    if (explicit) fail(name, active.reason);
    skipped.push({ name, reason: active.reason });
    return null;
  };

  switch (request.backend) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return (await tryNative(request.backend))!;
    case 'webgpu':
      return fail('webgpu', 'WebGPU is not available to a Node.js trainer; use auto, wasm or cpu');
    case 'cpu':
    case 'wasm': {
      const active = await activate(request.backend);
      if (!active.ok) fail(request.backend, active.reason);
      return { name: request.backend, reason: `requested${request.backend === 'wasm' ? ' (WebAssembly SIMD, one thread)' : ' (pure JavaScript)'}`, skipped };
    }
    case 'auto': {
      for (const native of ['tensorflow-gpu', 'tensorflow'] as const) {
        const chosen = await tryNative(native);
        if (chosen) return chosen;
      }
      const wasm = await activate('wasm');
      if (wasm.ok) return { name: 'wasm', reason: 'auto: no native TensorFlow binding installed; WebAssembly SIMD is the fastest embedded backend', skipped };
      skipped.push({ name: 'wasm', reason: wasm.reason });
      const cpu = await activate('cpu');
      if (!cpu.ok) fail('cpu', cpu.reason);
      return { name: 'cpu', reason: 'auto: fallback to the pure JavaScript backend', skipped };
    }
  }
}
