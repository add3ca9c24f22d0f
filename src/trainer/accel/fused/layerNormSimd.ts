/**
 * The elementwise passes of the fused layer norm as WebAssembly SIMD loops over the wasm heap
 * (simd/, 4 floats at a time, in float32), one call per row with that row's statistics as
 * scalars: the forward's output, the backward's dx, and the gamma/beta gradients summed over
 * blocks of 8 rows in float32 (then in double by the caller). The row reductions (statistics, the
 * backward's two sums) stay JS loops in double. The mean comes as float32
 * high and low parts: x − high is exact for x near the mean, so rows with a large mean and a small
 * spread keep their precision. The caller's scalar loops do the columns past the last group of 4.
 */
import { add, load, mul, operands, setTemp, store, sub, temp } from '../simd/expressions';
import { type LoopFunctions, SimdModule, wasmBackendMemory } from '../simd/heapModules';
import type { Expr, LoopFunction } from '../simd/wasmEncoding';

type Name = 'layerNormRow' | 'layerNormGradRow' | 'layerNormParamGradFirstRow' | 'layerNormParamGradRow';

/** Every row loop's first scalars: the row's mean (float32 high and low parts) and 1/std. */
const ROW_STATS = ['meanHigh', 'meanLow', 'rstd'] as const;
type RowStats = Record<(typeof ROW_STATS)[number], Expr>;

/** x̂ = ((x − meanHigh) − meanLow)·rstd. */
const xHat = (x: Expr, k: RowStats) => mul(sub(sub(x, k.meanHigh), k.meanLow), k.rstd);

/** y = x̂·gamma + beta. */
const forwardRow: LoopFunction = (() => {
  const { array, scalar: k, ...counts } = operands(['x', 'gamma', 'beta', 'y'], ROW_STATS);
  return {
    name: 'layerNormRow',
    ...counts,
    body: [store(array.y, add(mul(xHat(load(array.x), k), load(array.gamma)), load(array.beta)))],
  };
})();

/** dx = rstd·(dy·gamma − mean(g) − x̂·mean(g·x̂)), with g = dy·gamma. */
const backwardRow: LoopFunction = (() => {
  const {
    array,
    scalar: k,
    temp: t,
    ...counts
  } = operands(['dy', 'x', 'gamma', 'dx'], [...ROW_STATS, 'meanG', 'meanGXHat'], ['xHat']);
  return {
    name: 'layerNormGradRow',
    ...counts,
    body: [
      setTemp(t.xHat, xHat(load(array.x), k)),
      store(
        array.dx,
        mul(k.rstd, sub(sub(mul(load(array.dy), load(array.gamma)), k.meanG), mul(temp(t.xHat), k.meanGXHat))),
      ),
    ],
  };
})();

/**
 * The first row of a block sets the partials of dgamma and dbeta (dy·x̂, dy), the next ones add to
 * them: float32 sums of a few rows, which the caller adds into its double accumulators.
 */
function paramGradRow(first: boolean): LoopFunction {
  const { array, scalar: k, temp: t, ...counts } = operands(['dgamma', 'dbeta', 'dy', 'x'], ROW_STATS, ['dy']);
  const dgamma = mul(temp(t.dy), xHat(load(array.x), k));
  return {
    name: first ? 'layerNormParamGradFirstRow' : 'layerNormParamGradRow',
    ...counts,
    body: [
      setTemp(t.dy, load(array.dy)),
      store(array.dgamma, first ? dgamma : add(load(array.dgamma), dgamma)),
      store(array.dbeta, first ? temp(t.dy) : add(load(array.dbeta), temp(t.dy))),
    ],
  };
}

/** Rows whose gamma/beta gradients are summed in float32 before going into the double accumulators. */
export const PARAM_GRAD_BLOCK = 8;

const LAYER_NORM_SIMD = new SimdModule<Name>([forwardRow, backwardRow, paramGradRow(true), paramGradRow(false)]);
export type LayerNormLoops = LoopFunctions<Name>;

/** The loops for arrays on this wasm backend's heap as it is now (call after the last allocation), or null. */
export function layerNormLoops(wasmModule: unknown): LayerNormLoops | null {
  const heap = wasmBackendMemory(wasmModule);
  if (!heap) return null;
  LAYER_NORM_SIMD.register(heap);
  return LAYER_NORM_SIMD.for(heap.buffer);
}
