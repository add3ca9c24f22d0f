/**
 * The elementwise passes of the fused layer norm as WebAssembly SIMD loops over the wasm heap
 * (simd/, 4 floats at a time, in float32), one call per row with that row's statistics as
 * scalars: the forward's output, the backward's dx, and the gamma/beta gradients summed over
 * blocks of 8 rows in float32 (then in double by the caller). The row reductions (statistics, the
 * backward's two sums) stay JS loops in double. The mean comes as float32
 * high and low parts: x − high is exact for x near the mean, so rows with a large mean and a small
 * spread keep their precision. The caller's scalar loops do the columns past the last group of 4.
 */
import { add, load, mul, scalar, setTemp, store, sub, temp } from '../simd/expressions';
import { type LoopFunctions, SimdModule, wasmBackendMemory } from '../simd/heapModules';
import type { LoopFunction } from '../simd/wasmEncoding';

type Name = 'layerNormRow' | 'layerNormGradRow' | 'layerNormParamGradFirstRow' | 'layerNormParamGradRow';

/** x̂ = ((x − meanHigh) − meanLow)·rstd from scalars 0, 1, 2. */
const xHat = (x: ReturnType<typeof load>) => mul(sub(sub(x, scalar(0)), scalar(1)), scalar(2));

/** Arrays: x 0, gamma 1, beta 2, y 3. Scalars: mean high 0, mean low 1, rstd 2. y = x̂·gamma + beta. */
const forwardRow: LoopFunction = {
  name: 'layerNormRow',
  arrays: 4,
  scalars: 3,
  temps: 0,
  body: [store(3, add(mul(xHat(load(0)), load(1)), load(2)))],
};

/** Arrays: dy 0, x 1, gamma 2, dx 3. Scalars: mean high 0, low 1, rstd 2, mean(g) 3, mean(g·x̂) 4. dx = rstd·(dy·gamma − mean(g) − x̂·mean(g·x̂)). */
const backwardRow: LoopFunction = {
  name: 'layerNormGradRow',
  arrays: 4,
  scalars: 5,
  temps: 1,
  body: [
    setTemp(0, xHat(load(1))),
    store(3, mul(scalar(2), sub(sub(mul(load(0), load(2)), scalar(3)), mul(temp(0), scalar(4))))),
  ],
};

/**
 * Arrays: dgamma partial 0, dbeta partial 1, dy 2, x 3. Scalars: mean high 0, low 1, rstd 2.
 * The first row of a block sets the partials (dy·x̂, dy), the next ones add to them: float32 sums
 * of a few rows, which the caller adds into its double accumulators.
 */
function paramGradRow(first: boolean): LoopFunction {
  const dgamma = mul(temp(0), xHat(load(3)));
  return {
    name: first ? 'layerNormParamGradFirstRow' : 'layerNormParamGradRow',
    arrays: 4,
    scalars: 3,
    temps: 1,
    body: [
      setTemp(0, load(2)),
      store(0, first ? dgamma : add(load(0), dgamma)),
      store(1, first ? temp(0) : add(load(1), temp(0))),
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
