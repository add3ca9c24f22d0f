/**
 * WebGPU in Node through Dawn (npm package `webgpu`, an optional dependency with a prebuilt
 * dawn.node) and @tensorflow/tfjs-backend-webgpu (bundled into the trainer, evaluated lazily).
 *
 * Order matters: the backend module registers itself only if `navigator.gpu` exists when it is
 * first evaluated, so Dawn's `navigator` and globals (GPUBufferUsage, ...) are installed first.
 * Dawn needs the Vulkan loader (libvulkan.so.1) and a hardware driver; it refuses software Vulkan
 * (lavapipe), so CPU-only machines get no adapter and the caller falls back.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Attempt } from './nativeBackend';
import { electronHint, firstLine, importAtRuntime, resolveOptional } from './optionalModule';

/** The part of Dawn's `webgpu` module used here. */
export interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: Record<string, unknown>;
}
export interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}
export interface DawnAdapter {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

/** One adapter as Dawn lists it; `index` is what `-d` counts. */
export interface AdapterEntry {
  index: number;
  backend: string;
  name: string;
}

export const WEBGPU_PACKAGE = 'webgpu';
/** The version tested with tfjs-backend-webgpu 4.22; also what `npm install` should use. */
export const WEBGPU_VERSION = '0.6.2';
/** Dawn options from the environment, separated by ';' (e.g. `backend=null` to test the plumbing without a GPU). */
export const DAWN_OPTIONS_ENV = 'TRAINING_RUNS_DAWN_OPTIONS';
/** An adapter name no device has: Dawn then rejects with the list of the adapters it sees. */
const NO_SUCH_ADAPTER = 'adapter=training-runs: list adapters';

let dawn: DawnModule | null = null;
let activeAdapter: string | null = null;
/** Dawn's GPU object behind the registered backend: replacing or dropping it while the device lives crashes dawn.node. */
let activeGpu: { gpu: DawnGpu; device: number | null } | null = null;

export function dawnOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[DAWN_OPTIONS_ENV] ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses Dawn's "Available adapters:" list (` * backend: 'vulkan', name: 'NVIDIA H200'` per line). */
export function parseAdapterList(message: string): AdapterEntry[] {
  const entries: AdapterEntry[] = [];
  for (const m of message.matchAll(/^\s*\*\s*backend:\s*'([^']*)',\s*name:\s*'(.*)'\s*$/gm)) entries.push({ index: entries.length, backend: m[1]!, name: m[2]! });
  return entries;
}

/** Dawn selects an adapter by name, so of identical GPUs only the first can be picked this way. */
export function adapterOptionFor(adapters: AdapterEntry[], device: number): { ok: true; option: string; entry: AdapterEntry } | { ok: false; reason: string } {
  const entry = adapters[device];
  if (!entry) {
    const seen = adapters.length === 0 ? 'none' : adapters.map((a) => `${a.index}: ${a.name} (${a.backend})`).join('; ');
    return { ok: false, reason: `GPU ${device} is not among the WebGPU adapters Dawn sees (${seen})` };
  }
  const first = adapters.find((a) => a.name === entry.name);
  if (first && first.index !== entry.index) {
    return { ok: false, reason: `GPUs ${first.index} and ${entry.index} are both "${entry.name}" and Dawn picks adapters by name, so WebGPU cannot reach GPU ${device}; use GPU ${first.index}, or tensorflow-gpu (CUDA_VISIBLE_DEVICES)` };
  }
  return { ok: true, option: `adapter=${entry.name}`, entry };
}

/** Where the Vulkan loader usually lives; only used to word the reason when there is no adapter. */
export function vulkanLoaderPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64'];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

export function noAdapterReason(env: NodeJS.ProcessEnv = process.env): string {
  if (!vulkanLoaderPresent(env)) return 'no WebGPU adapter: the Vulkan loader libvulkan.so.1 is missing (install libvulkan1 and a GPU driver)';
  return 'no WebGPU adapter: no GPU driver Dawn accepts (software Vulkan such as lavapipe is refused; point VK_DRIVER_FILES at the GPU driver\'s ICD file if it is installed elsewhere)';
}

async function loadDawn(): Promise<{ ok: true; module: DawnModule } | { ok: false; reason: string }> {
  if (dawn) return { ok: true, module: dawn };
  const resolved = resolveOptional(WEBGPU_PACKAGE);
  if (!resolved.found) return { ok: false, reason: `${WEBGPU_PACKAGE} (Dawn) is not installed (optional: npm install ${WEBGPU_PACKAGE}@${WEBGPU_VERSION} in the project)` };
  try {
    const loaded = await importAtRuntime<Partial<DawnModule>>(resolved.path);
    if (typeof loaded.create !== 'function' || !loaded.globals) return { ok: false, reason: `${resolved.path} is not Dawn's webgpu module (no create/globals export)` };
    dawn = loaded as DawnModule;
    return { ok: true, module: dawn };
  } catch (error) {
    return { ok: false, reason: `${WEBGPU_PACKAGE} is installed but dawn.node failed to load: ${firstLine((error as Error).message)}${electronHint()}` };
  }
}

/** Adapters Dawn sees with the given options (empty when none). */
export async function listAdapters(module: DawnModule, options: string[]): Promise<AdapterEntry[]> {
  try {
    const adapter = await module.create([...options.filter((o) => !o.startsWith('adapter=')), NO_SUCH_ADAPTER]).requestAdapter();
    // No rejection: either no adapter at all, or a Dawn that ignores the name; ask plainly then.
    if (!adapter) return [];
    const plain = await module.create(options).requestAdapter();
    return plain ? [{ index: 0, backend: 'unknown', name: describeAdapter(plain) }] : [];
  } catch (error) {
    return parseAdapterList((error as Error).message);
  }
}

export function describeAdapter(adapter: DawnAdapter): string {
  const i = adapter.info ?? {};
  const parts = [i.description || i.device, i.vendor && `vendor ${i.vendor}`, i.architecture && `architecture ${i.architecture}`].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'unnamed adapter';
}

/** Dawn's navigator and WebGPU globals, installed before the tfjs backend module is evaluated. */
function installNavigator(module: DawnModule, gpu: DawnGpu): void {
  Object.assign(globalThis, module.globals);
  const current = (globalThis as { navigator?: object }).navigator;
  // Node 21+ has a read-only global navigator: replace the property rather than assign to it.
  Object.defineProperty(globalThis, 'navigator', { value: { ...(current ?? {}), gpu }, configurable: true, writable: true, enumerable: false });
}

/**
 * Makes `webgpu` the active tfjs backend on GPU `device` (Dawn's adapter order) or the
 * high-performance default. Extra Dawn options come from TRAINING_RUNS_DAWN_OPTIONS.
 */
export async function activateWebgpu(device: number | null, env: NodeJS.ProcessEnv = process.env): Promise<Attempt> {
  if (activeGpu) return reactivate(device);
  const options = dawnOptionsFromEnv(env);
  // Without the Vulkan loader Dawn finds nothing and prints warnings to stderr: skip it (fast, quiet).
  if (!vulkanLoaderPresent(env) && !options.includes('backend=null') && resolveOptional(WEBGPU_PACKAGE).found) return { ok: false, reason: noAdapterReason(env) };
  const loaded = await loadDawn();
  if (!loaded.ok) return loaded;
  let gpu: DawnGpu;
  let adapter: DawnAdapter | null;
  try {
    if (device !== null) {
      const pick = adapterOptionFor(await listAdapters(loaded.module, options), device);
      if (!pick.ok) return { ok: false, reason: pick.reason };
      options.push(pick.option);
    }
    gpu = loaded.module.create(options);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `Dawn could not list adapters: ${firstLine((error as Error).message)}` };
  }
  if (!adapter) return { ok: false, reason: noAdapterReason(env) };
  activeGpu = { gpu, device };
  installNavigator(loaded.module, gpu);
  try {
    // Bundled, but evaluated only here (after navigator.gpu exists), where it registers 'webgpu'.
    require('@tensorflow/tfjs-backend-webgpu');
    if (!tf.findBackendFactory('webgpu')) return { ok: false, reason: '@tensorflow/tfjs-backend-webgpu did not register its backend (navigator.gpu was not seen when it loaded)' };
    const ok = await tf.setBackend('webgpu');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'webgpu') return { ok: false, reason: 'tf.setBackend(\'webgpu\') failed to initialise the device' };
  } catch (error) {
    return { ok: false, reason: `WebGPU backend failed to initialise: ${firstLine((error as Error).message)}` };
  }
  activeAdapter = describeAdapter(adapter);
  return { ok: true, detail: activeAdapter };
}

/** The backend is already set up on one adapter in this process: switch back to it if it is the one asked for. */
async function reactivate(device: number | null): Promise<Attempt> {
  if (device !== null && device !== (activeGpu?.device ?? 0)) return { ok: false, reason: `WebGPU already runs on ${activeAdapter ?? 'another adapter'} in this process; one process uses one adapter` };
  try {
    const ok = await tf.setBackend('webgpu');
    await tf.ready();
    return ok ? { ok: true, detail: activeAdapter ?? undefined } : { ok: false, reason: 'tf.setBackend(\'webgpu\') failed' };
  } catch (error) {
    return { ok: false, reason: `WebGPU backend failed to initialise: ${firstLine((error as Error).message)}` };
  }
}

/** The adapter the webgpu backend runs on, once activated. */
export function activeWebgpuAdapter(): string | null {
  return activeAdapter;
}
