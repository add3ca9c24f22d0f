/**
 * WebGPU in Node through Dawn (npm package `webgpu`, an optional dependency with a prebuilt
 * dawn.node) and @tensorflow/tfjs-backend-webgpu (bundled into the trainer, evaluated lazily).
 *
 * Order matters: the backend module registers itself only if `navigator.gpu` exists when it is
 * first evaluated, so Dawn's `navigator` and globals (GPUBufferUsage, ...) are installed first.
 * Dawn needs the Vulkan loader (libvulkan.so.1) and a Vulkan driver. Mesa 25's software driver
 * (lavapipe) is accepted: such a software adapter is only used when asked for (softwareAdapter.ts).
 * What Dawn and the driver print on stderr while loading is captured (nativeStderr.ts) and handed
 * back as a note for the run's log.
 */
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Attempt, BackendNote } from './nativeBackend';
import { captureNativeStderr } from './nativeStderr';
import { electronHint, firstLine, importAtRuntime, resolveOptional } from './optionalModule';
import { isSoftwareAdapter, passedOverReason, softwareAdapterWarning } from './softwareAdapter';

/** The part of Dawn's `webgpu` module used here. */
export interface DawnModule {
  create(options: string[]): DawnGpu;
  globals: Record<string, unknown>;
}
export interface DawnGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<DawnAdapter | null>;
}
export interface DawnAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
export interface DawnAdapter {
  info?: DawnAdapterInfo;
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
let activeAdapter: { name: string; software: boolean } | null = null;
/** Dawn's GPU object behind the registered backend: replacing or dropping it while the device lives crashes dawn.node. */
let activeGpu: { gpu: DawnGpu; device: number | null } | null = null;

export function dawnOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env[DAWN_OPTIONS_ENV] ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Parses Dawn's "Available adapters:" list (` * backend: 'vulkan', name: 'NVIDIA H200'` per line). */
export function parseAdapterList(message: string): AdapterEntry[] {
  const entries: AdapterEntry[] = [];
  for (const m of message.matchAll(/^\s*\*\s*backend:\s*'([^']*)',\s*name:\s*'(.*)'\s*$/gm))
    entries.push({ index: entries.length, backend: m[1]!, name: m[2]! });
  return entries;
}

/** Dawn selects an adapter by name, so of identical GPUs only the first can be picked this way. */
export function adapterOptionFor(
  adapters: AdapterEntry[],
  device: number,
): { ok: true; option: string; entry: AdapterEntry } | { ok: false; reason: string } {
  const entry = adapters[device];
  if (!entry) {
    const seen =
      adapters.length === 0 ? 'none' : adapters.map((a) => `${a.index}: ${a.name} (${a.backend})`).join('; ');
    return { ok: false, reason: `GPU ${device} is not among the WebGPU adapters Dawn sees (${seen})` };
  }
  const first = adapters.find((a) => a.name === entry.name);
  if (first && first.index !== entry.index) {
    return {
      ok: false,
      reason: `GPUs ${first.index} and ${entry.index} are both "${entry.name}" and Dawn picks adapters by name, so WebGPU cannot reach GPU ${device}; use GPU ${first.index}, or tensorflow-gpu (CUDA_VISIBLE_DEVICES)`,
    };
  }
  return { ok: true, option: `adapter=${entry.name}`, entry };
}

/** Where the Vulkan loader usually lives; only used to word the reason when there is no adapter. */
export function vulkanLoaderPresent(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/lib/x86_64-linux-gnu',
    '/lib64',
  ];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

export function noAdapterReason(env: NodeJS.ProcessEnv = process.env): string {
  if (!vulkanLoaderPresent(env))
    return 'no WebGPU adapter: the Vulkan loader libvulkan.so.1 is missing (install libvulkan1 and a GPU driver)';
  return "no WebGPU adapter: no Vulkan driver Dawn accepts (point VK_DRIVER_FILES at the GPU driver's ICD file if it is installed elsewhere)";
}

/**
 * Mesa prints "XDG_RUNTIME_DIR is invalid or not set" without a writable one (containers, CI, ssh
 * without a login session): give it a private folder before the driver loads.
 */
export function ensureRuntimeDir(env: NodeJS.ProcessEnv = process.env): void {
  const current = env.XDG_RUNTIME_DIR;
  if (current) {
    try {
      accessSync(current, constants.W_OK);
      return;
    } catch {
      // not writable: replace it below
    }
  }
  const dir = join(tmpdir(), `training-runs-runtime-${process.getuid?.() ?? 'user'}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
  } catch {
    // Only a warning from Mesa is at stake.
  }
}

/** How `activateWebgpu` may use what it finds. */
export interface WebgpuRequest {
  /** Use a software (CPU) adapter: true only when webgpu was named explicitly (`-d webgpu[:N]`). */
  allowSoftware: boolean;
}

async function loadDawn(): Promise<{ ok: true; module: DawnModule } | { ok: false; reason: string }> {
  if (dawn) return { ok: true, module: dawn };
  const resolved = resolveOptional(WEBGPU_PACKAGE);
  if (!resolved.found)
    return {
      ok: false,
      reason: `${WEBGPU_PACKAGE} (Dawn) is not installed (optional: npm install ${WEBGPU_PACKAGE}@${WEBGPU_VERSION} in the project)`,
    };
  try {
    const loaded = await importAtRuntime<Partial<DawnModule>>(resolved.path);
    if (typeof loaded.create !== 'function' || !loaded.globals)
      return { ok: false, reason: `${resolved.path} is not Dawn's webgpu module (no create/globals export)` };
    dawn = loaded as DawnModule;
    return { ok: true, module: dawn };
  } catch (error) {
    return {
      ok: false,
      reason: `${WEBGPU_PACKAGE} is installed but dawn.node failed to load: ${firstLine((error as Error).message)}${electronHint()}`,
    };
  }
}

/** Adapters Dawn sees with the given options (empty when none). */
export async function listAdapters(module: DawnModule, options: string[]): Promise<AdapterEntry[]> {
  try {
    const adapter = await module
      .create([...options.filter((o) => !o.startsWith('adapter=')), NO_SUCH_ADAPTER])
      .requestAdapter();
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
  const parts = [
    i.description || i.device,
    i.vendor && `vendor ${i.vendor}`,
    i.architecture && `architecture ${i.architecture}`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'unnamed adapter';
}

/** Dawn's navigator and WebGPU globals, installed before the tfjs backend module is evaluated. */
function installNavigator(module: DawnModule, gpu: DawnGpu): void {
  Object.assign(globalThis, module.globals);
  const current = (globalThis as { navigator?: object }).navigator;
  // Node 21+ has a read-only global navigator: replace the property rather than assign to it.
  Object.defineProperty(globalThis, 'navigator', {
    value: { ...(current ?? {}), gpu },
    configurable: true,
    writable: true,
    enumerable: false,
  });
}

/**
 * Makes `webgpu` the active tfjs backend on GPU `device` (Dawn's adapter order) or the
 * high-performance default. Extra Dawn options come from TRAINING_RUNS_DAWN_OPTIONS. Native
 * output while loading comes back as a note rather than on stderr.
 */
export async function activateWebgpu(
  device: number | null,
  request: WebgpuRequest,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Attempt> {
  if (activeGpu) return reactivate(device, request);
  const options = dawnOptionsFromEnv(env);
  // Without the Vulkan loader Dawn finds nothing and prints warnings to stderr: skip it (fast, quiet).
  if (!vulkanLoaderPresent(env) && !options.includes('backend=null') && resolveOptional(WEBGPU_PACKAGE).found)
    return { ok: false, reason: noAdapterReason(env) };
  const loaded = await loadDawn();
  if (!loaded.ok) return loaded;
  ensureRuntimeDir(env);
  const { value, output } = await captureNativeStderr(() => activateOn(loaded.module, options, device, request, env));
  if (!output || !value.ok) return value;
  const note: BackendNote = {
    code: 'native_output',
    message: `native output while loading WebGPU (Dawn, Vulkan driver): ${output
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .join(' | ')}`,
  };
  return { ...value, notes: [...(value.notes ?? []), note] };
}

async function activateOn(
  module: DawnModule,
  options: string[],
  device: number | null,
  request: WebgpuRequest,
  env: NodeJS.ProcessEnv,
): Promise<Attempt> {
  let gpu: DawnGpu;
  let adapter: DawnAdapter | null;
  try {
    if (device !== null) {
      const pick = adapterOptionFor(await listAdapters(module, options), device);
      if (!pick.ok) return { ok: false, reason: pick.reason };
      options.push(pick.option);
    }
    gpu = module.create(options);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `Dawn could not list adapters: ${firstLine((error as Error).message)}` };
  }
  if (!adapter) return { ok: false, reason: noAdapterReason(env) };
  const name = describeAdapter(adapter);
  const software = isSoftwareAdapter(adapter.info);
  // Passed over before any device exists, so this process can still try another adapter later.
  if (software && !request.allowSoftware) return { ok: false, reason: passedOverReason(name, device) };
  activeGpu = { gpu, device };
  installNavigator(module, gpu);
  try {
    // Bundled, but evaluated only here (after navigator.gpu exists), where it registers 'webgpu'.
    require('@tensorflow/tfjs-backend-webgpu');
    if (!tf.findBackendFactory('webgpu'))
      return {
        ok: false,
        reason:
          '@tensorflow/tfjs-backend-webgpu did not register its backend (navigator.gpu was not seen when it loaded)',
      };
    const ok = await tf.setBackend('webgpu');
    await tf.ready();
    if (!ok || tf.getBackend() !== 'webgpu')
      return { ok: false, reason: "tf.setBackend('webgpu') failed to initialise the device" };
  } catch (error) {
    return { ok: false, reason: `WebGPU backend failed to initialise: ${firstLine((error as Error).message)}` };
  }
  activeAdapter = { name, software };
  return runningOn(activeAdapter);
}

function runningOn(adapter: { name: string; software: boolean }): Attempt {
  if (!adapter.software) return { ok: true, detail: adapter.name };
  return {
    ok: true,
    detail: adapter.name,
    software: true,
    notes: [{ code: 'software_adapter', message: softwareAdapterWarning(adapter.name) }],
  };
}

/** The backend is already set up on one adapter in this process: switch back to it if it is the one asked for. */
async function reactivate(device: number | null, request: WebgpuRequest): Promise<Attempt> {
  if (device !== null && device !== (activeGpu?.device ?? 0))
    return {
      ok: false,
      reason: `WebGPU already runs on ${activeAdapter?.name ?? 'another adapter'} in this process; one process uses one adapter`,
    };
  if (activeAdapter?.software && !request.allowSoftware)
    return { ok: false, reason: passedOverReason(activeAdapter.name, device) };
  try {
    const ok = await tf.setBackend('webgpu');
    await tf.ready();
    if (!ok) return { ok: false, reason: "tf.setBackend('webgpu') failed" };
    return runningOn(activeAdapter ?? { name: 'the default adapter', software: false });
  } catch (error) {
    return { ok: false, reason: `WebGPU backend failed to initialise: ${firstLine((error as Error).message)}` };
  }
}

/** The adapter the webgpu backend runs on, once activated. */
export function activeWebgpuAdapter(): string | null {
  return activeAdapter?.name ?? null;
}
