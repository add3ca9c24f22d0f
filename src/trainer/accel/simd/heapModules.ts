/**
 * SIMD loop modules (wasmEncoding.ts) instantiated over the wasm backend's own memory, so their
 * functions work in place on tensors of the heap. Each module compiles once per kind of memory
 * (unshared, shared) and instantiates once per memory; views on the heap find their functions by
 * buffer. Growth replaces the buffer: call `register` again after anything that may allocate.
 */
import { type LoopFunction, encodeModule } from './wasmEncoding';

/** Arguments: byte offsets of the arrays, the end byte (a multiple of 16), then the float32 scalars. */
export type LoopFunctions<Name extends string> = Record<Name, (...args: number[]) => void>;

export class SimdModule<Name extends string> {
  /** Null where the engine has no SIMD (the callers' JavaScript loops do the same maths). */
  private readonly compiled = new Map<boolean, WebAssembly.Module | null>();
  private readonly byMemory = new WeakMap<WebAssembly.Memory, LoopFunctions<Name> | null>();
  private readonly byBuffer = new WeakMap<ArrayBufferLike, LoopFunctions<Name>>();

  constructor(private readonly functions: readonly LoopFunction[]) {}

  /** Makes the functions available for arrays on this memory's current buffer. */
  register(memory: WebAssembly.Memory): void {
    let instance = this.byMemory.get(memory);
    if (instance === undefined) {
      instance = this.instantiate(memory);
      this.byMemory.set(memory, instance);
    }
    if (instance) this.byBuffer.set(memory.buffer, instance);
  }

  /** The functions that can reach `buffer`, or null when it is not a registered memory's buffer. */
  for(buffer: ArrayBufferLike): LoopFunctions<Name> | null {
    return this.byBuffer.get(buffer) ?? null;
  }

  private instantiate(memory: WebAssembly.Memory): LoopFunctions<Name> | null {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    if (!this.compiled.has(shared)) {
      try {
        this.compiled.set(shared, new WebAssembly.Module(encodeModule([...this.functions], shared)));
      } catch {
        this.compiled.set(shared, null);
      }
    }
    const module = this.compiled.get(shared)!;
    return module && (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as LoopFunctions<Name>);
  }
}

/** The emscripten memory of tfjs-backend-wasm 4.22's module (`backend.wasm.asm.memory`), or null. */
export function wasmBackendMemory(wasmModule: unknown): WebAssembly.Memory | null {
  const memory = (wasmModule as { asm?: { memory?: unknown } } | undefined)?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}
