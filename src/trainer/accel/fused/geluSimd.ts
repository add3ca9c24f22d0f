/**
 * GELU's arithmetic passes as WebAssembly SIMD loops over the wasm heap (simd/, 4 floats at a
 * time, in float32): the forward's 2u and the whole backward. The forward's σ(2u) stays the
 * backend's Sigmoid kernel (exp-based): the rational tanh of simd/expressions.ts would give
 * σ(2u) = 0.5 + 0.5·tanh(u), which loses its precision where σ is small (x below about −3).
 * Each runner does the largest multiple of 4 elements and returns that count; the caller's scalar
 * loops do the rest, and everything on arrays off the wasm heap (the cpu backend).
 */
import { add, constant, load, mul, operands, setTemp, store, sub, temp } from '../simd/expressions';
import { type LoopFunctions, SimdModule, wasmBackendMemory } from '../simd/heapModules';
import type { LoopFunction } from '../simd/wasmEncoding';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const CUBIC = 0.044715;

type Name = 'geluDoubledInner' | 'geluBackward';

/** z = 2·√(2/π)·(x + 0.044715·x³). */
const doubledInner: LoopFunction = (() => {
  const { array, temp: t, ...counts } = operands(['x', 'z'], [], ['x']);
  return {
    name: 'geluDoubledInner',
    ...counts,
    body: [
      setTemp(t.x, load(array.x)),
      store(
        array.z,
        mul(
          constant(2 * SQRT_2_OVER_PI),
          add(temp(t.x), mul(constant(CUBIC), mul(temp(t.x), mul(temp(t.x), temp(t.x))))),
        ),
      ),
    ],
  };
})();

/** dx = dy·(σ + x·σ·(1 − σ)·(a + b·x²)), σ = σ(2u) from the forward. */
const backward: LoopFunction = (() => {
  const { array, temp: t, ...counts } = operands(['dy', 'x', 'sigma', 'dx'], [], ['x', 'sigma']);
  return {
    name: 'geluBackward',
    ...counts,
    body: [
      setTemp(t.x, load(array.x)),
      setTemp(t.sigma, load(array.sigma)),
      store(
        array.dx,
        mul(
          load(array.dy),
          add(
            temp(t.sigma),
            mul(
              mul(mul(temp(t.x), temp(t.sigma)), sub(constant(1), temp(t.sigma))),
              add(constant(2 * SQRT_2_OVER_PI), mul(constant(6 * SQRT_2_OVER_PI * CUBIC), mul(temp(t.x), temp(t.x)))),
            ),
          ),
        ),
      ),
    ],
  };
})();

const GELU_SIMD = new SimdModule<Name>([doubledInner, backward]);
export type GeluLoops = LoopFunctions<Name>;

/** The loops for arrays on this wasm backend's heap as it is now (call after the last allocation), or null. */
export function geluLoops(wasmModule: unknown): GeluLoops | null {
  const heap = wasmBackendMemory(wasmModule);
  if (!heap) return null;
  GELU_SIMD.register(heap);
  return GELU_SIMD.for(heap.buffer);
}

const groups = (n: number): number => n - (n % 4);

export function doubledInnerSimd(loops: GeluLoops, x: Float32Array, z: Float32Array): number {
  const n = groups(x.length);
  if (n > 0) loops.geluDoubledInner(x.byteOffset, z.byteOffset, n * 4);
  return n;
}

export function geluBackwardSimd(
  loops: GeluLoops,
  dy: Float32Array,
  x: Float32Array,
  s: Float32Array,
  dx: Float32Array,
): number {
  const n = groups(x.length);
  if (n > 0) loops.geluBackward(dy.byteOffset, x.byteOffset, s.byteOffset, dx.byteOffset, n * 4);
  return n;
}
