/**
 * Picks the tfjs backend. `auto` takes the fastest that loads: the native GPU binding
 * (tfjs-node-gpu), WebGPU through Dawn, the native CPU binding (tfjs-node), wasm, then cpu, and
 * records why each earlier one was skipped. A GPU index (`-d N`, or `device` in the config)
 * restricts `auto` to the GPU backends: asking for a GPU never silently trains on the CPU.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendName } from '../../core/config/types';
import { InputError } from '../util/errors';
import {
  type BlasInUse,
  type BlasRequest,
  DEFAULT_BLAS_REQUEST,
  accelerateWasmBackend,
  blasInUse,
  describeWasmAcceleration,
} from '../accel';
import { type Attempt, type BackendNote, loadNative } from './nativeBackend';
import { firstLine } from './optionalModule';
import { PASSED_OVER } from './softwareAdapter';
import { activateWebgpu } from './webgpuBackend';

export interface BackendChoice {
  /** tfjs backend name actually running. */
  name: string;
  reason: string;
  skipped: Array<{ name: string; reason: string }>;
  /** The system BLAS running the wasm backend's matrix products, or null. */
  blas: BlasInUse | null;
  /** For the run's log, once: a software adapter in use, native output while loading. */
  notes: BackendNote[];
}

/** What `-d/--device` or the config asked for: a backend, and a GPU index for the GPU ones. */
export interface BackendRequest {
  backend: BackendName;
  device: number | null;
  /** Config `blas` and `cpu_threads`, for the wasm backend; default: auto. */
  blas?: BlasRequest;
}

export type ConcreteBackend = Exclude<BackendName, 'auto'>;
/** Fastest first: what `auto` tries. */
export const AUTO_ORDER: readonly ConcreteBackend[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];
export const GPU_BACKENDS: readonly ConcreteBackend[] = ['tensorflow-gpu', 'webgpu'];

const DEVICE_HELP = 'a GPU index (0, 1, ...), cpu, wasm, webgpu[:N], tensorflow or tensorflow-gpu[:N]';

/** `-d` takes a GPU index (best GPU backend), a backend name, or a GPU backend with an index (`webgpu:1`). */
export function parseDevice(value: string): BackendRequest {
  const v = value.trim();
  if (/^\d+$/.test(v)) return { backend: 'auto', device: Number(v) };
  const m = /^(cpu|wasm|tensorflow|tensorflow-gpu|webgpu)(?::(\d+))?$/.exec(v);
  if (m) {
    const backend = m[1] as ConcreteBackend;
    if (m[2] !== undefined && !GPU_BACKENDS.includes(backend))
      throw new InputError(
        `-d/--device: ${backend} runs on no GPU, so "${v}" takes no index; use ${DEVICE_HELP}`,
        'device',
      );
    return { backend, device: m[2] === undefined ? null : Number(m[2]) };
  }
  throw new InputError(`-d/--device must be ${DEVICE_HELP}, not "${value}"`, 'device');
}

const DESCRIPTION: Record<ConcreteBackend, (device: number | null, detail?: string) => string> = {
  'tensorflow-gpu': (d) => `native TensorFlow on GPU ${d ?? 0} via @tensorflow/tfjs-node-gpu`,
  webgpu: (_d, detail) => `WebGPU through Dawn on ${detail ?? 'the default adapter'}`,
  tensorflow: () => 'native TensorFlow CPU via @tensorflow/tfjs-node',
  wasm: (_d, detail) => `WebAssembly SIMD with ${detail ?? 'stock tfjs kernels'}`,
  cpu: () => 'pure JavaScript',
};

/** tfjs's registered name for each of ours. */
export function tfjsName(backend: ConcreteBackend): string {
  return backend === 'tensorflow-gpu' ? 'tensorflow' : backend;
}

async function setTfjsBackend(name: string): Promise<Attempt> {
  try {
    if (name === 'wasm') {
      // In the bundle the .wasm files sit in dist/wasm next to trainer.js; unbundled, tfjs finds its own.
      const bundled = join(__dirname, 'wasm');
      if (existsSync(join(bundled, 'tfjs-backend-wasm-simd.wasm'))) setWasmPaths(`${bundled}/`);
    }
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name
      ? { ok: true }
      : { ok: false, reason: `tf.setBackend('${name}') failed to initialise` };
  } catch (error) {
    return { ok: false, reason: firstLine((error as Error).message) };
  }
}

/**
 * Tries one backend and makes it active. `allowSoftware`: a GPU backend may run on a software (CPU)
 * adapter (only when that backend was named explicitly).
 */
export async function activateBackend(
  backend: ConcreteBackend,
  device: number | null,
  blas: BlasRequest = DEFAULT_BLAS_REQUEST,
  allowSoftware = false,
): Promise<Attempt & { blas?: BlasInUse }> {
  switch (backend) {
    case 'tensorflow-gpu': {
      const loaded = loadNative('@tensorflow/tfjs-node-gpu', device);
      if (!loaded.ok) return loaded;
      const active = await setTfjsBackend('tensorflow');
      if (!active.ok) return active;
      // tfjs-node-gpu quietly runs on the CPU when CUDA 11.2 / cuDNN 8.1 or the GPU are missing.
      const usingGpu = (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice;
      if (usingGpu === false)
        return {
          ok: false,
          reason:
            '@tensorflow/tfjs-node-gpu loaded but TensorFlow found no usable CUDA GPU (it needs CUDA 11.2 and cuDNN 8.1)',
        };
      return active;
    }
    case 'tensorflow': {
      // tfjs-node-gpu, if already loaded (e.g. without a usable GPU), is the same native CPU code.
      let loaded = loadNative('@tensorflow/tfjs-node', null);
      if (!loaded.ok && tf.findBackend('tensorflow')) loaded = { ok: true };
      return loaded.ok ? setTfjsBackend('tensorflow') : loaded;
    }
    case 'webgpu':
      return activateWebgpu(device, { allowSoftware });
    case 'wasm': {
      const active = await setTfjsBackend(backend);
      if (!active.ok) return active;
      // Stock wasm kernels run transposed/batched matmuls and slices as scalar loops (bench/README.md).
      // Outside setTfjsBackend's catch: a BLAS library the user named that fails to load stops the run.
      const acceleration = accelerateWasmBackend(blas);
      const inUse = blasInUse(acceleration);
      return { ok: true, detail: describeWasmAcceleration(acceleration), ...(inUse ? { blas: inUse } : {}) };
    }
    case 'cpu':
      return setTfjsBackend(backend);
  }
}

export async function selectBackend(request: BackendRequest): Promise<BackendChoice> {
  tf.enableProdMode();
  const skipped: BackendChoice['skipped'] = [];
  if (request.backend !== 'auto') {
    const backend = request.backend;
    const device = GPU_BACKENDS.includes(backend) ? request.device : null;
    const active = await activateBackend(backend, device, request.blas, true);
    if (!active.ok)
      throw new InputError(`backend ${backend} was asked for but cannot be used: ${active.reason}`, 'backend');
    return {
      name: tfjsName(backend),
      reason: `requested: ${DESCRIPTION[backend](device, active.detail)}`,
      skipped,
      blas: active.blas ?? null,
      notes: active.notes ?? [],
    };
  }
  const candidates = request.device === null ? AUTO_ORDER : GPU_BACKENDS;
  for (const backend of candidates) {
    const active = await activateBackend(backend, request.device, request.blas);
    if (active.ok) {
      const why =
        skipped.length === 0
          ? 'auto: fastest available'
          : `auto: first available after ${skipped.map((s) => s.name).join(', ')}`;
      // A usable but passed-over adapter is worth naming in the reason itself, not only in `skipped`.
      const passedOver = skipped
        .filter((s) => s.reason.startsWith(PASSED_OVER))
        .map((s) => ` (${s.name} ${s.reason})`)
        .join('');
      return {
        name: tfjsName(backend),
        reason: `${why}${passedOver}: ${DESCRIPTION[backend](request.device, active.detail)}`,
        skipped,
        blas: active.blas ?? null,
        notes: active.notes ?? [],
      };
    }
    skipped.push({ name: backend, reason: active.reason });
  }
  const reasons = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  if (request.device !== null)
    throw new InputError(
      `GPU ${request.device} was asked for but cannot be used: no GPU backend can use it (${reasons}); use -d cpu or -d wasm to train on the CPU`,
      'device',
    );
  throw new InputError(`no tfjs backend could be initialised (${reasons})`, 'backend');
}
