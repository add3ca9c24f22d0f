/**
 * Node runs WebAssembly, but TypeScript types it only in its DOM library, which the Node targets
 * (src/tsconfig.json) leave out. The part the SIMD code uses, as in lib.dom.d.ts. Not included by
 * the tests' tsconfig, which has the DOM library.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }
  type Exports = Record<string, unknown>;
  class Instance {
    constructor(module: Module, importObject?: Record<string, Record<string, unknown>>);
    readonly exports: Exports;
  }
}
