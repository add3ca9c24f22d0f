/**
 * Runs a float32 computation written over plain arrays as a kernel of the wasm or the cpu backend,
 * so a fused op (GELU, layer norm) has one implementation for both: on wasm its inputs and outputs
 * are views of the heap (no copy), on cpu they are the backend's own arrays.
 */
import { type TensorInfo, getKernel } from '@tensorflow/tfjs';
import { fusedKernelBackends } from '../compatibility';
import { asWasmBackend, heapF32, sizeOf } from './wasmBackend';

/** Backends whose kernels `floatKernel` runs on here (wasm only on the tfjs this layer was built for). */
export const FLOAT_KERNEL_BACKENDS = fusedKernelBackends();

interface CpuBackend {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

function isCpuBackend(backend: unknown): backend is CpuBackend {
  const b = backend as Partial<CpuBackend>;
  return (
    typeof b.makeTensorInfo === 'function' && typeof b.data?.get === 'function' && !('wasm' in (backend as object))
  );
}

function cpuValues(backend: CpuBackend, t: TensorInfo): Float32Array {
  const values = backend.data.get(t.dataId)?.values;
  if (!(values instanceof Float32Array)) throw new Error('fused kernel: cpu tensor data is not a Float32Array');
  return values;
}

/**
 * `compute(inputs, outputs)` fills freshly allocated float32 outputs of `outShapes` from the float32
 * `inputs`; it must not keep the arrays (on wasm they are heap views that a later allocation detaches).
 */
export function floatKernel(
  backend: unknown,
  inputs: TensorInfo[],
  outShapes: number[][],
  compute: (inputs: Float32Array[], outputs: Float32Array[]) => void,
): TensorInfo[] {
  for (const t of inputs)
    if (t.dtype !== 'float32') throw new Error(`fused kernel: inputs must be float32, not ${t.dtype}`);
  if (isCpuBackend(backend)) {
    const outputs = outShapes.map((shape) => new Float32Array(sizeOf(shape)));
    compute(
      inputs.map((t) => cpuValues(backend, t)),
      outputs,
    );
    return outShapes.map((shape, i) => backend.makeTensorInfo(shape, 'float32', outputs[i]!));
  }
  const wasm = asWasmBackend(backend);
  // Every allocation before the first view: growing the heap detaches views taken earlier.
  const outInfos = outShapes.map((shape) => wasm.makeOutput(shape, 'float32'));
  compute(
    inputs.map((t) => heapF32(wasm, t)),
    outInfos.map((t) => heapF32(wasm, t)),
  );
  return outInfos;
}

/**
 * Runs another kernel of the same backend on intermediate results, for the steps where its own
 * kernels beat a JS loop (XNNPACK's vectorised Sigmoid and Multiply on wasm).
 */
export function backendKernel(
  backendName: string,
  backend: unknown,
  kernelName: string,
  inputs: Record<string, TensorInfo>,
): TensorInfo {
  const config = getKernel(kernelName, backendName);
  if (!config) throw new Error(`fused kernel: ${kernelName} is not registered for ${backendName}`);
  return config.kernelFunc({ inputs, backend: backend as never, attrs: {} }) as TensorInfo;
}

/** Frees an intermediate result made by `floatKernel` or `backendKernel`. */
export function disposeIntermediate(backend: unknown, t: TensorInfo): void {
  (backend as { disposeData(dataId: object): unknown }).disposeData(t.dataId);
}
