/**
 * The acceleration layer reaches into tfjs-backend-wasm's private members (kernels/wasmBackend.ts,
 * simd/heapModules.ts) and wraps stock kernels by name, so it only works on the tfjs it was written
 * against. On any other version it keeps off the wasm backend entirely: no replaced kernels, no
 * BLAS, no fused kernels or in-place optimizer updates there; tfjs's stock kernels and the op-by-op
 * fallbacks run instead, and the backend's reason says why. The cpu backend keeps the fused kernels
 * (they use only its public tensor storage).
 */
import { version_core } from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';

/** The versions this layer was built for: package-lock.json's (a unit test keeps the two equal). */
export const BUILT_FOR = {
  '@tensorflow/tfjs-core': '4.22.0',
  '@tensorflow/tfjs-backend-wasm': '4.22.0',
} as const;

export type TfjsPackage = keyof typeof BUILT_FOR;
export type TfjsVersions = Record<TfjsPackage, string>;

export function installedTfjsVersions(): TfjsVersions {
  return { '@tensorflow/tfjs-core': version_core, '@tensorflow/tfjs-backend-wasm': version_wasm };
}

/** Why the layer must keep off the wasm backend with these versions installed, or null when it may run. */
export function wasmAccelerationRefusal(installed: TfjsVersions = installedTfjsVersions()): string | null {
  const differing = (Object.keys(BUILT_FOR) as TfjsPackage[]).filter((name) => installed[name] !== BUILT_FOR[name]);
  if (differing.length === 0) return null;
  const built = differing.map((name) => `${name} ${BUILT_FOR[name]}`).join(', ');
  const found = differing.map((name) => `${name} ${installed[name]}`).join(', ');
  return `the acceleration layer was built for ${built} but ${found} is installed`;
}

/** Decided once: the installed versions cannot change in a running process. */
const INSTALLED_REFUSAL = wasmAccelerationRefusal();

/** Whether the fused kernels and in-place updates may touch the wasm backend in this process. */
export function wasmAccelerationAllowed(): boolean {
  return INSTALLED_REFUSAL === null;
}

/** The backends the fused kernels register on: cpu, and wasm on the tfjs this layer was built for. */
export function fusedKernelBackends(refusal: string | null = INSTALLED_REFUSAL): ReadonlyArray<'wasm' | 'cpu'> {
  return refusal === null ? ['wasm', 'cpu'] : ['cpu'];
}
