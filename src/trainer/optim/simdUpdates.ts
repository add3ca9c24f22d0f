/**
 * The fused updates as WebAssembly SIMD loops that run in place on the wasm backend's own heap:
 * a small module, built at run time (wasmEncoding.ts), imports the backend's memory, so one call
 * updates a parameter and its slots 4 lanes at a time with no copy. f32x4 add, sub, mul, div and
 * sqrt round each lane exactly as the scalar float32 operations of fusedUpdates.ts and the
 * backend's own kernels do, in the same order, so the results are the same bits.
 */
import { type Expr, type LoopFunction, type Store, encodeModule } from './wasmEncoding';

const load = (array: number): Expr => ({ op: 'load', array });
const scalar = (index: number): Expr => ({ op: 'scalar', index });
const temp = (index: number): Expr => ({ op: 'temp', index });
const tee = (index: number, value: Expr): Expr => ({ op: 'tee', index, value });
const add = (a: Expr, b: Expr): Expr => ({ op: 'add', a, b });
const sub = (a: Expr, b: Expr): Expr => ({ op: 'sub', a, b });
const mul = (a: Expr, b: Expr): Expr => ({ op: 'mul', a, b });
const div = (a: Expr, b: Expr): Expr => ({ op: 'div', a, b });
const sqrt = (a: Expr): Expr => ({ op: 'sqrt', a });
const store = (array: number, value: Expr): Store => ({ array, value });

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

/** Compiled once per kind of memory (unshared, shared); null where the engine has no SIMD. */
const compiled = new Map<boolean, WebAssembly.Module | null>();
const kernelsByMemory = new WeakMap<WebAssembly.Memory, SimdKernels | null>();
/** The heap's current buffer maps to its kernels; growth replaces the buffer, and the next registerHeap adds it. */
const kernelsByBuffer = new WeakMap<ArrayBufferLike, SimdKernels>();

function compile(shared: boolean): WebAssembly.Module | null {
  if (!compiled.has(shared)) {
    try {
      compiled.set(shared, new WebAssembly.Module(encodeModule(FUNCTIONS, shared)));
    } catch {
      compiled.set(shared, null); // no SIMD in this engine: the JavaScript loops do the same maths
    }
  }
  return compiled.get(shared)!;
}

function instantiate(memory: WebAssembly.Memory): SimdKernels | null {
  const module = compile(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
  return module && (new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as SimdKernels);
}

/** Makes the SIMD loops available for arrays on this memory's current buffer. */
export function registerHeap(memory: WebAssembly.Memory): void {
  let kernels = kernelsByMemory.get(memory);
  if (kernels === undefined) {
    kernels = instantiate(memory);
    kernelsByMemory.set(memory, kernels);
  }
  if (kernels) kernelsByBuffer.set(memory.buffer, kernels);
}

/** The SIMD loops that can reach `buffer`, or null when it is not a registered heap. */
export function simdKernelsFor(buffer: ArrayBufferLike): SimdKernels | null {
  return kernelsByBuffer.get(buffer) ?? null;
}
