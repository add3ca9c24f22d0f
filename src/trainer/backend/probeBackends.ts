/**
 * Which backends this trainer can use here, and why not the others: what `backends --json` prints
 * and what the extension shows next to its device choices. Each backend is really initialised
 * (loading a binding, asking Dawn for an adapter), so "available" means training would run on it.
 */
import * as tf from '@tensorflow/tfjs';
import { AUTO_ORDER, type ConcreteBackend, activateBackend } from './selectBackend';
import { SOFTWARE_ADAPTER_LABEL } from '../../core/protocol/backendsReport';

export interface BackendStatus {
  name: ConcreteBackend;
  available: boolean;
  /** Why not, or what it runs on (adapter, binding). */
  reason: string;
  /** Available, but on a software (CPU) adapter: `auto` passes it over. */
  software?: boolean;
}

export interface BackendsReport {
  schema: 1;
  /** What `auto` (with no GPU index) would pick: the first available one not on a software adapter. */
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
    // As if named explicitly, so a software adapter shows up as what it is rather than as missing.
    const attempt = await activateBackend(name, null, undefined, true);
    if (!attempt.ok) backends.push({ name, available: false, reason: attempt.reason });
    else if (attempt.software)
      backends.push({
        name,
        available: true,
        software: true,
        reason: `${SOFTWARE_ADAPTER_LABEL}: ${availableReason(name, attempt.detail)}; auto passes it over (slower than wasm), -d ${name} uses it`,
      });
    else backends.push({ name, available: true, reason: availableReason(name, attempt.detail) });
  }
  return {
    schema: 1,
    auto: backends.find((b) => b.available && !b.software)?.name ?? null,
    backends,
    runtime: {
      node: process.versions.node,
      electron: process.versions.electron ?? null,
      platform: process.platform,
      arch: process.arch,
      tfjs: tf.version.tfjs,
    },
  };
}

/** GPU backends name their adapter ("WebGPU through Dawn on NVIDIA H200"); wasm says where its matrix products run. */
function availableReason(name: ConcreteBackend, detail: string | undefined): string {
  if (!detail) return AVAILABLE_NOTE[name];
  return name === 'wasm' ? `${AVAILABLE_NOTE[name]}, ${detail}` : `${AVAILABLE_NOTE[name]} on ${detail}`;
}
