/**
 * One-pass updates over float32 storage, for `updateDirectly`. Each does exactly the float32
 * operations of its optimizer's tf-op version, in the same order: every intermediate is rounded to
 * float32 with Math.fround (a double result of +, -, *, / or sqrt on float32 inputs rounds to the
 * correctly rounded float32 result), and the hyperparameters are the float32 values `tf.scalar`
 * would hold. So on cpu and wasm, whose kernels round every op the same way, the fused and op
 * versions give the same bits, and a run may switch between them (a fallback) without drifting.
 * Reads of an element come before its write, so `read` and `write` may be the same array.
 * On the wasm heap, in place, the SIMD loops of simdUpdates.ts take every whole group of 4
 * elements and the JavaScript loops below only the rest.
 */
import type { UpdateTarget } from './directStorage';
import { type SimdKernelName, simdKernelsFor } from './simdUpdates';

const f32 = Math.fround;

/**
 * Runs the SIMD loop over the largest multiple of 4 elements when the gradient and every target
 * are on a registered wasm heap and updated in place; returns the first element left to do.
 */
function simdPrefix(kernel: SimdKernelName, g: Float32Array, targets: UpdateTarget[], scalars: number[]): number {
  const kernels = simdKernelsFor(g.buffer);
  const count = g.length - (g.length % 4);
  if (!kernels || count === 0 || !targets.every((t) => t.read === t.write && t.read.buffer === g.buffer)) return 0;
  kernels[kernel](g.byteOffset, ...targets.map((t) => t.read.byteOffset), count * 4, ...scalars);
  return count;
}

function from(t: UpdateTarget, start: number): UpdateTarget {
  return start === 0 ? t : { read: t.read.subarray(start), write: t.write.subarray(start) };
}

export function sgdStep(learningRate: number, g: Float32Array, p: UpdateTarget): void {
  const lr = f32(learningRate);
  const done = simdPrefix('sgd', g, [p], [lr]);
  sgdLoop(lr, g.subarray(done), from(p, done));
}

function sgdLoop(lr: number, g: Float32Array, p: UpdateTarget): void {
  const pIn = p.read;
  const pOut = p.write;
  for (let i = 0; i < g.length; i++) pOut[i] = pIn[i]! - f32(lr * g[i]!);
}

/** a = mu*a + g; p -= lr*a, or with Nesterov p -= lr*(g + mu*a). */
export function momentumStep(
  learningRate: number,
  momentum: number,
  nesterov: boolean,
  g: Float32Array,
  p: UpdateTarget,
  acc: UpdateTarget,
): void {
  const lr = f32(learningRate);
  const mu = f32(momentum);
  const done = simdPrefix(nesterov ? 'nesterov' : 'momentum', g, [p, acc], [lr, mu]);
  momentumLoop(lr, mu, nesterov, g.subarray(done), from(p, done), from(acc, done));
}

function momentumLoop(
  lr: number,
  mu: number,
  nesterov: boolean,
  g: Float32Array,
  p: UpdateTarget,
  acc: UpdateTarget,
): void {
  const pIn = p.read;
  const pOut = p.write;
  const aIn = acc.read;
  const aOut = acc.write;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i]!;
    const a = f32(f32(mu * aIn[i]!) + gi);
    aOut[i] = a;
    const step = nesterov ? f32(gi + f32(mu * a)) : a;
    pOut[i] = pIn[i]! - f32(lr * step);
  }
}

/** The float32 scalars of one Adam step, as the op version builds them (bias corrections from the double beta powers). */
export interface AdamScalars {
  lr: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  correction1: number;
  correction2: number;
  epsilon: number;
  /** AdamW's decoupled decay, or null for none. */
  decay: number | null;
}

export function adamScalars(
  learningRate: number,
  beta1: number,
  beta2: number,
  accBeta1: number,
  accBeta2: number,
  epsilon: number,
  decay: number | null,
): AdamScalars {
  return {
    lr: f32(learningRate),
    beta1: f32(beta1),
    oneMinusBeta1: f32(1 - beta1),
    beta2: f32(beta2),
    oneMinusBeta2: f32(1 - beta2),
    correction1: f32(1 - accBeta1),
    correction2: f32(1 - accBeta2),
    epsilon: f32(epsilon),
    decay: decay === null ? null : f32(decay),
  };
}

/** m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g²; u = (m/c1) / (sqrt(v/c2) + eps) [+ decay*p]; p -= lr*u. */
export function adamStep(s: AdamScalars, g: Float32Array, p: UpdateTarget, m: UpdateTarget, v: UpdateTarget): void {
  const scalars = [s.lr, s.beta1, s.oneMinusBeta1, s.beta2, s.oneMinusBeta2, s.correction1, s.correction2, s.epsilon];
  const done =
    s.decay === null
      ? simdPrefix('adam', g, [p, m, v], scalars)
      : simdPrefix('adamw', g, [p, m, v], [...scalars, s.decay]);
  adamLoop(s, g.subarray(done), from(p, done), from(m, done), from(v, done));
}

function adamLoop(s: AdamScalars, g: Float32Array, p: UpdateTarget, m: UpdateTarget, v: UpdateTarget): void {
  const { lr, beta1, oneMinusBeta1, beta2, oneMinusBeta2, correction1, correction2, epsilon } = s;
  const decayed = s.decay !== null;
  const decay = s.decay ?? 0;
  const pIn = p.read;
  const pOut = p.write;
  const mIn = m.read;
  const mOut = m.write;
  const vIn = v.read;
  const vOut = v.write;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i]!;
    const mi = f32(f32(beta1 * mIn[i]!) + f32(oneMinusBeta1 * gi));
    const vi = f32(f32(beta2 * vIn[i]!) + f32(oneMinusBeta2 * f32(gi * gi)));
    mOut[i] = mi;
    vOut[i] = vi;
    const pi = pIn[i]!;
    let u = f32(f32(mi / correction1) / f32(f32(Math.sqrt(f32(vi / correction2))) + epsilon));
    if (decayed) u = f32(u + f32(decay * pi));
    pOut[i] = pi - f32(lr * u);
  }
}

/** ms = rho*ms + (1-rho)*g²; mom = mu*mom + lr*g/sqrt(ms + eps); p -= mom. */
export function rmsPropStep(
  learningRate: number,
  rho: number,
  momentum: number,
  epsilon: number,
  g: Float32Array,
  p: UpdateTarget,
  ms: UpdateTarget,
  mom: UpdateTarget,
): void {
  const scalars = [f32(learningRate), f32(rho), f32(1 - rho), f32(momentum), f32(epsilon)] as const;
  const done = simdPrefix('rmsprop', g, [p, ms, mom], [...scalars]);
  rmsPropLoop(scalars, g.subarray(done), from(p, done), from(ms, done), from(mom, done));
}

function rmsPropLoop(
  [lr, r, oneMinusRho, mu, eps]: readonly [number, number, number, number, number],
  g: Float32Array,
  p: UpdateTarget,
  ms: UpdateTarget,
  mom: UpdateTarget,
): void {
  const pIn = p.read;
  const pOut = p.write;
  const msIn = ms.read;
  const msOut = ms.write;
  const momIn = mom.read;
  const momOut = mom.write;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i]!;
    const msi = f32(f32(r * msIn[i]!) + f32(oneMinusRho * f32(gi * gi)));
    const momi = f32(f32(mu * momIn[i]!) + f32(f32(lr * gi) / f32(Math.sqrt(f32(msi + eps)))));
    msOut[i] = msi;
    momOut[i] = momi;
    pOut[i] = pIn[i]! - momi;
  }
}
