/**
 * The acceleration layer's one entry point (design: README.md in this folder). The trainer's
 * backend set-up calls `accelerateWasmBackend` once the wasm backend is active; models and
 * optimizers call the fused ops below, which fall back to plain tf ops wherever their kernels do
 * not apply.
 */
import { type BlasInUse, type BlasOutcome, type BlasRequest, accelerateWasm, describeBlas } from './blas/acceleration';
import { type TfjsVersions, installedTfjsVersions, wasmAccelerationRefusal } from './compatibility';
import { registerFastWasmKernels } from './kernels';

export { type BlasInUse, type BlasRequest, DEFAULT_BLAS_REQUEST } from './blas/acceleration';
export { activeBlasKernels } from './blas';
export { type NativeFunction, requireKoffi } from './blas/koffi';
export { causalSelfAttention } from './fused/attention';
export { gelu } from './fused/gelu';
export { fusedGru } from './fused/gru';
export { layerNormalize } from './fused/layerNorm';
export { fusedLstm } from './fused/lstm';
export { softmaxCrossEntropy } from './fused/softmaxCrossEntropy';
export { updateDirectly, valuesCopy } from './optim/directStorage';
export { type AdamScalars, adamScalars, adamStep, momentumStep, rmsPropStep, sgdStep } from './optim/fusedUpdates';

export type WasmAcceleration =
  | { replaced: true; kernels: string[]; blas: BlasOutcome }
  /** Stock tfjs kernels only: `reason` says why (another tfjs version, a stock kernel missing). */
  | { replaced: false; reason: string };

/**
 * Call with the wasm backend active: registers the replaced kernels and, per `blas`, the BLAS
 * matrix products, unless the installed tfjs is not the one this layer was built for. `installed`
 * is for tests. Throws only for a BLAS library the user named that does not load.
 */
export function accelerateWasmBackend(
  blas: BlasRequest,
  installed: TfjsVersions = installedTfjsVersions(),
): WasmAcceleration {
  const refusal = wasmAccelerationRefusal(installed);
  if (refusal) return { replaced: false, reason: refusal };
  let kernels: string[];
  try {
    kernels = registerFastWasmKernels();
  } catch (error) {
    return { replaced: false, reason: (error as Error).message };
  }
  return { replaced: true, kernels, blas: accelerateWasm(blas) };
}

/** What the backend's reason says about the wasm backend's kernels. */
export function describeWasmAcceleration(acceleration: WasmAcceleration): string {
  return acceleration.replaced
    ? `replaced kernels, ${describeBlas(acceleration.blas)}`
    : `stock tfjs kernels (${acceleration.reason})`;
}

/** The BLAS in use after `accelerateWasmBackend`, or null. */
export function blasInUse(acceleration: WasmAcceleration): BlasInUse | null {
  return acceleration.replaced && acceleration.blas.active ? acceleration.blas.blas : null;
}
