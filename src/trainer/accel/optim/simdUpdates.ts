/**
 * The fused updates as WebAssembly SIMD loops that run in place on the wasm backend's own heap:
 * a small module, built at run time (simd/wasmEncoding.ts, simd/heapModules.ts), imports the
 * backend's memory, so one call updates a parameter and its slots 4 lanes at a time with no copy.
 * f32x4 add, sub, mul, div and sqrt round each lane exactly as the scalar float32 operations of
 * fusedUpdates.ts and the backend's own kernels do, in the same order, so the results are the same bits.
 */
import { SimdModule } from '../simd/heapModules';
import { add, div, load, mul, operands, sqrt, store, sub, tee, temp } from '../simd/expressions';
import type { LoopFunction } from '../simd/wasmEncoding';

// Every update's arrays: the gradient, the parameter, then its slots (simdPrefix in fusedUpdates.ts
// passes them in this order, then the end byte, then the scalars in the order named here).

/** p -= lr*g */
const sgd: LoopFunction = (() => {
  const { array, scalar, ...counts } = operands(['grad', 'param'], ['lr']);
  return {
    name: 'sgd',
    ...counts,
    body: [store(array.param, sub(load(array.param), mul(scalar.lr, load(array.grad))))],
  };
})();

/** a = mu*a + g; p -= lr*a, or lr*(g + mu*a) with Nesterov. */
function momentum(nesterov: boolean): LoopFunction {
  const { array, scalar, temp: t, ...counts } = operands(['grad', 'param', 'accumulation'], ['lr', 'mu'], ['g', 'a']);
  const step = nesterov ? add(temp(t.g), mul(scalar.mu, temp(t.a))) : temp(t.a);
  return {
    name: nesterov ? 'nesterov' : 'momentum',
    ...counts,
    body: [
      store(array.accumulation, tee(t.a, add(mul(scalar.mu, load(array.accumulation)), tee(t.g, load(array.grad))))),
      store(array.param, sub(load(array.param), mul(scalar.lr, step))),
    ],
  };
}

const ADAM_SCALARS = ['lr', 'b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'c1', 'c2', 'eps'] as const;
type AdamScalar = (typeof ADAM_SCALARS)[number] | 'decay';

/** Adam, and AdamW with a last scalar `decay`: see adamStep. */
function adam(decayed: boolean): LoopFunction {
  const scalarNames: readonly AdamScalar[] = decayed ? [...ADAM_SCALARS, 'decay'] : ADAM_SCALARS;
  const {
    array,
    scalar: k,
    temp: t,
    ...counts
  } = operands(['grad', 'param', 'm', 'v'], scalarNames, ['g', 'm', 'v', 'p']);
  let u = div(div(temp(t.m), k.c1), add(sqrt(div(temp(t.v), k.c2)), k.eps));
  if (decayed) u = add(u, mul(k.decay, temp(t.p)));
  return {
    name: decayed ? 'adamw' : 'adam',
    ...counts,
    body: [
      store(array.m, tee(t.m, add(mul(k.b1, load(array.m)), mul(k.oneMinusB1, tee(t.g, load(array.grad)))))),
      store(array.v, tee(t.v, add(mul(k.b2, load(array.v)), mul(k.oneMinusB2, mul(temp(t.g), temp(t.g)))))),
      store(array.param, sub(tee(t.p, load(array.param)), mul(k.lr, u))),
    ],
  };
}

/** RMSprop with momentum: see rmsPropStep. */
const rmsprop: LoopFunction = (() => {
  const {
    array,
    scalar: k,
    temp: t,
    ...counts
  } = operands(
    ['grad', 'param', 'meanSquare', 'momentum'],
    ['lr', 'rho', 'oneMinusRho', 'mu', 'eps'],
    ['g', 'ms', 'mom'],
  );
  return {
    name: 'rmsprop',
    ...counts,
    body: [
      store(
        array.meanSquare,
        tee(
          t.ms,
          add(mul(k.rho, load(array.meanSquare)), mul(k.oneMinusRho, mul(tee(t.g, load(array.grad)), temp(t.g)))),
        ),
      ),
      store(
        array.momentum,
        tee(t.mom, add(mul(k.mu, load(array.momentum)), div(mul(k.lr, temp(t.g)), sqrt(add(temp(t.ms), k.eps))))),
      ),
      store(array.param, sub(load(array.param), temp(t.mom))),
    ],
  };
})();

const FUNCTIONS = [sgd, momentum(false), momentum(true), adam(false), adam(true), rmsprop];
export type SimdKernelName = 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'adamw' | 'rmsprop';
/** Arguments: byte offsets of the arrays (gradient, parameter, slots), the end byte (a multiple of 16), then the float32 scalars. */
export type SimdKernels = Record<SimdKernelName, (...args: number[]) => void>;

const UPDATES = new SimdModule<SimdKernelName>(FUNCTIONS);

/** Makes the SIMD loops available for arrays on this memory's current buffer. */
export function registerHeap(memory: WebAssembly.Memory): void {
  UPDATES.register(memory);
}

/** The SIMD loops that can reach `buffer`, or null when it is not a registered heap. */
export function simdKernelsFor(buffer: ArrayBufferLike): SimdKernels | null {
  return UPDATES.for(buffer);
}
