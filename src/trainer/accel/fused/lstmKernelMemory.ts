/**
 * What the fused RNN kernels (lstmKernels.ts, gruKernels.ts) share: memory access on the cpu backend
 * (its typed arrays) and the wasm backend (views of the wasm heap), and registration for both.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedKernelBackends } from '../compatibility';
import { asWasmBackend, heapF32, sizeOf } from '../kernels/wasmBackend';
import { type LoopFunctions, type SimdModule, wasmBackendMemory } from '../simd/heapModules';

type Info = tf.TensorInfo;

/** Memory access for one backend: read an input, allocate outputs, then view them. */
export interface Memory {
  read(t: Info): Float32Array;
  /** Allocates every output first, then returns views: on wasm an allocation can move the heap. */
  allocate(shapes: number[][]): { outputs: Info[]; views: Float32Array[] };
  /** A new tensor σ(x): XNNPACK's SIMD sigmoid on wasm, about 5x faster than a JS loop. */
  sigmoid(x: Info): Info;
  /** Frees a temporary made by `allocate` or `sigmoid`. */
  release(x: Info): void;
  /**
   * SIMD loops over this memory (the wasm heap), or null (cpu, or no SIMD in the engine). Call it
   * after the last allocation: the functions are found by the heap's current buffer.
   */
  simdLoops<Name extends string>(module: SimdModule<Name>): LoopFunctions<Name> | null;
}

export function cpuMemory(backend: unknown): Memory {
  const cpu = backend as unknown as {
    data: { get(id: object): { values: unknown } | undefined };
    makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): Info;
    disposeData(id: object): boolean;
  };
  const memory: Memory = {
    read(t) {
      const values = cpu.data.get(t.dataId)?.values;
      if (!(values instanceof Float32Array)) throw new Error('fused RNN kernel (cpu): expected float32 data');
      return values;
    },
    allocate(shapes) {
      const views = shapes.map((s) => new Float32Array(sizeOf(s)));
      return { outputs: shapes.map((s, k) => cpu.makeTensorInfo(s, 'float32', views[k]!)), views };
    },
    sigmoid(x) {
      const src = memory.read(x);
      const { outputs, views } = memory.allocate([x.shape]);
      const dst = views[0]!;
      for (let i = 0; i < src.length; i++) dst[i] = 1 / (1 + Math.exp(-src[i]!));
      return outputs[0]!;
    },
    release: (x) => void cpu.disposeData(x.dataId),
    simdLoops: () => null,
  };
  return memory;
}

export function wasmMemory(backend: unknown): Memory {
  const wasm = asWasmBackend(backend);
  return {
    read: (t) => heapF32(wasm, t),
    allocate(shapes) {
      const outputs = shapes.map((s) => wasm.makeOutput(s, 'float32'));
      return { outputs, views: outputs.map((o) => heapF32(wasm, o)) };
    },
    sigmoid(x) {
      const kernel = tf.getKernel(tf.Sigmoid, 'wasm');
      if (!kernel) throw new Error('fused RNN kernel (wasm): no Sigmoid kernel registered');
      return kernel.kernelFunc({ inputs: { x }, backend: wasm as unknown as tf.KernelBackend, attrs: {} }) as Info;
    },
    release: (x) => void wasm.disposeData(x.dataId),
    simdLoops(module) {
      const heap = wasmBackendMemory(wasm.wasm);
      if (!heap) return null;
      module.register(heap);
      return module.for(heap.buffer);
    },
  };
}

/** Backends with fused RNN kernels; every other one runs the composite (tf ops) gate steps. */
export const RNN_KERNEL_BACKENDS = fusedKernelBackends();

const MEMORIES: Record<(typeof RNN_KERNEL_BACKENDS)[number], (backend: unknown) => Memory> = {
  cpu: cpuMemory,
  wasm: wasmMemory,
};

export function hasRnnKernels(backendName: string): boolean {
  return (RNN_KERNEL_BACKENDS as readonly string[]).includes(backendName);
}

/** The computation of one fused kernel, given memory access, its inputs (float32) and its integer attributes. */
export type FusedKernelBody = (memory: Memory, inputs: Record<string, Info>, attrs: Record<string, number>) => Info[];

/** Registers `body` as kernel `name` on every backend of RNN_KERNEL_BACKENDS unless already there. Idempotent. */
export function registerFusedKernel(name: string, body: FusedKernelBody): void {
  for (const backendName of RNN_KERNEL_BACKENDS) {
    if (tf.getKernel(name, backendName)) continue;
    const memory = MEMORIES[backendName];
    tf.registerKernel({
      kernelName: name,
      backendName,
      kernelFunc: ({ inputs, attrs, backend }) => {
        for (const [key, t] of Object.entries(inputs)) {
          if (t && t.dtype !== 'float32') throw new Error(`${name}: input ${key} must be float32, got ${t.dtype}`);
        }
        return body(memory(backend), inputs as Record<string, Info>, attrs as unknown as Record<string, number>);
      },
    });
  }
}
