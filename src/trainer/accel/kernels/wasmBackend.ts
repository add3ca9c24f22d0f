/**
 * Typed access to the parts of tfjs-backend-wasm 4.22's BackendWasm that replacement kernels need.
 * These members are public in its JavaScript but not in its declarations; the shapes below are
 * copied from node_modules/@tensorflow/tfjs-backend-wasm/dist/backend_wasm.js.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs';

interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

/** The emscripten module: heap, allocator, tensor registry and `cwrap` for the C++ kernels. */
export interface WasmModule {
  HEAPU8: Uint8Array;
  cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
  tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
  };
}

export interface WasmBackend {
  wasm: WasmModule;
  dataIdNextNumber: number;
  dataIdMap: {
    has(dataId: object): boolean;
    get(dataId: object): WasmTensorData | undefined;
    set(dataId: object, data: WasmTensorData): void;
    delete(dataId: object): void;
  };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

export function asWasmBackend(backend: unknown): WasmBackend {
  const b = backend as Partial<WasmBackend>;
  if (!b.wasm || !b.dataIdMap || typeof b.makeOutput !== 'function') {
    throw new Error(
      'fast wasm kernels: the active backend is not tfjs-backend-wasm 4.22 (no wasm module or dataIdMap)',
    );
  }
  return b as WasmBackend;
}

export function tensorData(backend: WasmBackend, t: TensorInfo): WasmTensorData {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('fast wasm kernels: tensor data is not on the wasm backend');
  return data;
}

export function bytesPerElement(dtype: DataType): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  throw new Error(`fast wasm kernels: dtype ${dtype} is not supported`);
}

/** A typed-array view of a tensor on the wasm heap. Take views only after the last allocation: growth detaches the heap. */
export function heapView(backend: WasmBackend, t: TensorInfo): Float32Array | Int32Array | Uint8Array {
  const { memoryOffset } = tensorData(backend, t);
  const size = t.shape.reduce((a, b) => a * b, 1);
  const buffer = backend.wasm.HEAPU8.buffer;
  switch (t.dtype) {
    case 'float32':
      return new Float32Array(buffer, memoryOffset, size);
    case 'int32':
      return new Int32Array(buffer, memoryOffset, size);
    case 'bool':
      return new Uint8Array(buffer, memoryOffset, size);
    default:
      throw new Error(`fast wasm kernels: dtype ${t.dtype} is not supported`);
  }
}

/** A Float32Array view: element loops stay monomorphic (a union-typed view makes V8 loops several times slower). */
export function heapF32(backend: WasmBackend, t: TensorInfo): Float32Array {
  return new Float32Array(backend.wasm.HEAPU8.buffer, tensorData(backend, t).memoryOffset, sizeOf(t.shape));
}

/**
 * Registers a C++-side tensor id that aliases `size` elements at `memoryOffset` of existing memory,
 * so C++ kernels can read or write one batch of a larger tensor without a copy. Release it with
 * `releaseAlias`, which drops the id (and any XNNPACK operator cached for it) but frees no memory.
 */
export function aliasId(backend: WasmBackend, memoryOffset: number, size: number): number {
  const id = backend.dataIdNextNumber++;
  backend.wasm.tfjs.registerTensor(id, size, memoryOffset);
  return id;
}

export function releaseAlias(backend: WasmBackend, id: number): void {
  backend.wasm.tfjs.disposeData(id);
}

export function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
