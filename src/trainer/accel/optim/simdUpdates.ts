/**
 * The fused updates as WebAssembly SIMD loops that run in place on the wasm backend's own heap:
 * a small module, built at run time (simd/wasmEncoding.ts, simd/heapModules.ts), imports the
 * backend's memory, so one call updates a parameter and its slots 4 lanes at a time with no copy.
 * f32x4 add, sub, mul, div and sqrt round each lane exactly as the scalar float32 operations of
 * fusedUpdates.ts and the backend's own kernels do, in the same order, so the results are the same bits.
 */
import { SimdModule } from '../simd/heapModules';
import { add, div, load, mul, scalar, sqrt, store, sub, tee, temp } from '../simd/expressions';
import type { Expr, LoopFunction } from '../simd/wasmEncoding';

// Arrays: 0 is the gradient, 1 the parameter, then the slots. Scalars and temps by name below.
const G = 0;
const P = 1;

/** (g, p, end; lr): p -= lr*g */
const sgd: LoopFunction = { name: 'sgd', arrays: 2, scalars: 1, temps: 0, body: [store(P, sub(load(P), mul(scalar(0), load(G))))] };

/** (g, p, a, end; lr, mu): a = mu*a + g; p -= lr*a, or lr*(g + mu*a) with Nesterov. */
function momentum(nesterov: boolean): LoopFunction {
  const [A, lr, mu, gTemp, aTemp] = [2, scalar(0), scalar(1), 0, 1];
  const step = nesterov ? add(temp(gTemp), mul(mu, temp(aTemp))) : temp(aTemp);
  return {
    name: nesterov ? 'nesterov' : 'momentum',
    arrays: 3,
    scalars: 2,
    temps: 2,
    body: [store(A, tee(aTemp, add(mul(mu, load(A)), tee(gTemp, load(G))))), store(P, sub(load(P), mul(lr, step)))],
  };
}

/** (g, p, m, v, end; lr, b1, 1-b1, b2, 1-b2, c1, c2, eps[, decay]): see adamStep. */
function adam(decayed: boolean): LoopFunction {
  const [M, V] = [2, 3];
  const [lr, b1, oneMinusB1, b2, oneMinusB2, c1, c2, eps, decay] = [0, 1, 2, 3, 4, 5, 6, 7, 8].map(scalar) as [Expr, Expr, Expr, Expr, Expr, Expr, Expr, Expr, Expr];
  const [gT, mT, vT, pT] = [0, 1, 2, 3];
  let u = div(div(temp(mT), c1), add(sqrt(div(temp(vT), c2)), eps));
  if (decayed) u = add(u, mul(decay, temp(pT)));
  return {
    name: decayed ? 'adamw' : 'adam',
    arrays: 4,
    scalars: decayed ? 9 : 8,
    temps: 4,
    body: [
      store(M, tee(mT, add(mul(b1, load(M)), mul(oneMinusB1, tee(gT, load(G)))))),
      store(V, tee(vT, add(mul(b2, load(V)), mul(oneMinusB2, mul(temp(gT), temp(gT)))))),
      store(P, sub(tee(pT, load(P)), mul(lr, u))),
    ],
  };
}

/** (g, p, ms, mom, end; lr, rho, 1-rho, mu, eps): see rmsPropStep. */
const rmsprop: LoopFunction = (() => {
  const [MS, MOM] = [2, 3];
  const [lr, rho, oneMinusRho, mu, eps] = [0, 1, 2, 3, 4].map(scalar) as [Expr, Expr, Expr, Expr, Expr];
  const [gT, msT, momT] = [0, 1, 2];
  return {
    name: 'rmsprop',
    arrays: 4,
    scalars: 5,
    temps: 3,
    body: [
      store(MS, tee(msT, add(mul(rho, load(MS)), mul(oneMinusRho, mul(tee(gT, load(G)), temp(gT)))))),
      store(MOM, tee(momT, add(mul(mu, load(MOM)), div(mul(lr, temp(gT)), sqrt(add(temp(msT), eps)))))),
      store(P, sub(load(P), temp(momT))),
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
