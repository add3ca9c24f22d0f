/**
 * Builders for the SIMD loop statements of wasmEncoding.ts, and the transcendental functions the
 * gate kernels need as plain f32x4 arithmetic: tanh as Eigen's float rational function (the one
 * kernels/tanhRational.ts evaluates in double), sigmoid(x) = 0.5·tanh(x/2) + 0.5.
 */
import type { Expr, SetTemp, Store } from './wasmEncoding';

export const load = (array: number): Expr => ({ op: 'load', array });
export const scalar = (index: number): Expr => ({ op: 'scalar', index });
export const constant = (value: number): Expr => ({ op: 'const', value });
export const temp = (index: number): Expr => ({ op: 'temp', index });
export const tee = (index: number, value: Expr): Expr => ({ op: 'tee', index, value });
export const add = (a: Expr, b: Expr): Expr => ({ op: 'add', a, b });
export const sub = (a: Expr, b: Expr): Expr => ({ op: 'sub', a, b });
export const mul = (a: Expr, b: Expr): Expr => ({ op: 'mul', a, b });
export const div = (a: Expr, b: Expr): Expr => ({ op: 'div', a, b });
export const min = (a: Expr, b: Expr): Expr => ({ op: 'min', a, b });
export const max = (a: Expr, b: Expr): Expr => ({ op: 'max', a, b });
export const pmin = (a: Expr, b: Expr): Expr => ({ op: 'pmin', a, b });
export const pmax = (a: Expr, b: Expr): Expr => ({ op: 'pmax', a, b });
export const sqrt = (a: Expr): Expr => ({ op: 'sqrt', a });
export const abs = (a: Expr): Expr => ({ op: 'abs', a });
export const neg = (a: Expr): Expr => ({ op: 'neg', a });
export const store = (array: number, value: Expr): Store => ({ array, value });
export const setTemp = (index: number, value: Expr): SetTemp => ({ temp: index, value });

/**
 * A loop function's operands by name, numbered in the order given (the order of its arguments):
 * `array.name` is the index for `load`/`store`, `scalar.name` the scalar as an expression, and
 * `temp.name` a temp's index. The counts go into the LoopFunction.
 */
export function operands<A extends string, S extends string, T extends string = never>(
  arrayNames: readonly A[],
  scalarNames: readonly S[],
  tempNames: readonly T[] = [],
): {
  array: Record<A, number>;
  scalar: Record<S, Expr>;
  temp: Record<T, number>;
  arrays: number;
  scalars: number;
  temps: number;
} {
  const numbered = <N extends string>(names: readonly N[]) =>
    Object.fromEntries(names.map((name, i) => [name, i])) as Record<N, number>;
  const scalarIndex = numbered(scalarNames);
  const scalarExpr = Object.fromEntries(scalarNames.map((name) => [name, scalar(scalarIndex[name])])) as Record<
    S,
    Expr
  >;
  return {
    array: numbered(arrayNames),
    scalar: scalarExpr,
    temp: numbered(tempNames),
    arrays: arrayNames.length,
    scalars: scalarNames.length,
    temps: tempNames.length,
  };
}

/** Edge of the interval Eigen's float tanh was fitted on; beyond it tanh is 1 to within 2.7e-7. */
const CLAMP = 7.90531110763549805;
const NUMERATOR = [
  4.89352455891786e-3, 6.37261928875436e-4, 1.48572235717979e-5, 5.12229709037114e-8, -8.60467152213735e-11,
  2.00018790482477e-13, -2.76076847742355e-16,
];
const DENOMINATOR = [4.89352518554385e-3, 2.268434632439e-3, 1.18534705686654e-4, 1.19825839466702e-6];

/**
 * tanh(x) in float32 lanes: clamp to ±7.905 (pmin/pmax: one instruction each, and a NaN in x stays
 * NaN), then an odd degree-13 over even degree-6 rational function, its polynomials in Estrin's form
 * (shorter dependency chains than Horner's: 0.051 against 0.054 ms for a 32x256 LSTM step).
 * Uses temps `scratch` to `scratch + 2`. Within 2.9e-7 of tanh (measured over ±30); beyond the
 * clamp it gives the clamp's value, ±1 in float32.
 */
export function tanh(x: Expr, scratch: number): Expr {
  const [xc, y, y2] = [scratch, scratch + 1, scratch + 2];
  const c = NUMERATOR.map(constant);
  const d = DENOMINATOR.map(constant);
  // Operands are evaluated left first: each tee (clamp, x², x⁴) comes before the reads of its temp.
  const clamped = tee(xc, pmax(pmin(x, constant(CLAMP)), constant(-CLAMP)));
  const ySet = tee(y, mul(temp(xc), temp(xc)));
  const y2Set = tee(y2, mul(temp(y), temp(y)));
  const numeratorEven = add(
    add(add(c[0]!, mul(ySet, c[1]!)), mul(y2Set, add(c[2]!, mul(temp(y), c[3]!)))),
    mul(mul(temp(y2), temp(y2)), add(add(c[4]!, mul(temp(y), c[5]!)), mul(temp(y2), c[6]!))),
  );
  const denominator = add(add(d[0]!, mul(temp(y), d[1]!)), mul(temp(y2), add(d[2]!, mul(temp(y), d[3]!))));
  return div(mul(clamped, numeratorEven), denominator);
}

/** Names for operands() of the three temps tanh and sigmoid use from the `scratch` they are given. */
export const SCRATCH_TEMPS = ['scratch', 'scratch1', 'scratch2'] as const;

/** σ(x) = 0.5·tanh(x/2) + 0.5, in float32 lanes (temps `scratch` to `scratch + 2`). */
export function sigmoid(x: Expr, scratch: number): Expr {
  return add(mul(constant(0.5), tanh(mul(constant(0.5), x), scratch)), constant(0.5));
}
