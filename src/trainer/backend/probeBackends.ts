/**
 * Which backends this trainer can use here, and why not the others: what `backends --json` prints
 * and what the extension shows next to its device choices. Each backend is really initialised
 * (loading a binding, asking Dawn for an adapter), so "available" means training would run on it.
 */
import * as tf from '@tensorflow/tfjs';
import { AUTO_ORDER, type ConcreteBackend, activateBackend } from './selectBackend';

export interface BackendStatus {
  name: ConcreteBackend;
  available: boolean;
  /** Why not, or what it runs on (adapter, binding). */
  reason: string;
}

export interface BackendsReport {
  schema: 1;
  /** What `auto` (with no GPU index) would pick. */
  auto: ConcreteBackend | null;
  backends: BackendStatus[];
  runtime: { node: string; electron: string | null; platform: string; arch: string; tfjs: string };
}

const AVAILABLE_NOTE: Record<ConcreteBackend, string> = {
  'tensorflow-gpu': 'native TensorFlow on a CUDA GPU',
  webgpu: 'WebGPU through Dawn',
  tensorflow: 'native TensorFlow on the CPU',
  wasm: 'WebAssembly SIMD',
  cpu: 'pure JavaScript',
};

export async function probeBackends(only: readonly ConcreteBackend[] = AUTO_ORDER): Promise<BackendsReport> {
  tf.enableProdMode();
  const backends: BackendStatus[] = [];
  for (const name of only) {
    const attempt = await activateBackend(name, null);
    backends.push(attempt.ok ? { name, available: true, reason: availableReason(name, attempt.detail) } : { name, available: false, reason: attempt.reason });
  }
  return {
    schema: 1,
    auto: backends.find((b) => b.available)?.name ?? null,
    backends,
    runtime: { node: process.versions.node, electron: process.versions.electron ?? null, platform: process.platform, arch: process.arch, tfjs: tf.version.tfjs },
  };
}

/** GPU backends name their adapter ("WebGPU through Dawn on NVIDIA H200"); wasm says where its matrix products run. */
function availableReason(name: ConcreteBackend, detail: string | undefined): string {
  if (!detail) return AVAILABLE_NOTE[name];
  return name === 'wasm' ? `${AVAILABLE_NOTE[name]}, ${detail}` : `${AVAILABLE_NOTE[name]} on ${detail}`;
}
