/**
 * The GRU gate steps as WebAssembly SIMD loops over the wasm heap (4 floats at a time, float32),
 * one call per batch row, with the scalar loops of gruGateMath.ts for the columns left over from
 * groups of 4. Same maths and layouts as gruGateMath.ts; σ and tanh as in lstmSimd.ts.
 */
import { add, constant, load, mul, setTemp, sigmoid, store, sub, tanh, temp } from '../simd/expressions';
import { type LoopFunctions, SimdModule } from '../simd/heapModules';
import type { Expr, LoopFunction } from '../simd/wasmEncoding';
import { type GruDims, gruBackwardA, gruBackwardB, gruForwardA, gruForwardB } from './gruGateMath';

type Name = 'gruForwardA' | 'gruForwardB' | 'gruBackwardA' | 'gruBackwardAFirst' | 'gruBackwardB' | 'gruBackwardBFirst';

const one = constant(1);

/** Arrays: projected z, r 0-1, h₋₁·R_zr z, r 2-3, bias z, r 4-5, h₋₁ 6, zr out z, r 7-8, r·h₋₁ 9. Temps: 0-2 scratch (2 is free again for r). */
const forwardA: LoopFunction = {
  name: 'gruForwardA',
  arrays: 10,
  scalars: 0,
  temps: 3,
  body: [
    store(7, sigmoid(add(add(load(0), load(2)), load(4)), 0)),
    setTemp(2, sigmoid(add(add(load(1), load(3)), load(5)), 0)),
    store(8, temp(2)),
    store(9, mul(temp(2), load(6))),
  ],
};

/** Arrays: projected n 0, (r·h₋₁)·R_n 1, bias n 2, z 3, h₋₁ 4, h 5, candidate 6. Temps: 0-2 scratch (2 then holds n), 3 z. */
const forwardB: LoopFunction = {
  name: 'gruForwardB',
  arrays: 7,
  scalars: 0,
  temps: 4,
  body: [
    setTemp(2, tanh(add(add(load(0), load(1)), load(2)), 0)),
    store(6, temp(2)),
    setTemp(3, load(3)),
    store(5, add(mul(sub(one, temp(3)), temp(2)), mul(temp(3), load(4)))),
  ],
};

/** Arrays: z 0, n 1, h₋₁ 2, dOutputs row 3, dhRecurrent 4, dhCarry 5, dN 6, dZ 7, dhDirect 8. Temps: 0 z, 1 n, 2 dh. */
function backwardA(first: boolean): LoopFunction {
  const [z, n, dh] = [temp(0), temp(1), temp(2)];
  const hPrev: Expr = first ? constant(0) : load(2);
  return {
    name: first ? 'gruBackwardAFirst' : 'gruBackwardA',
    arrays: 9,
    scalars: 0,
    temps: 3,
    body: [
      setTemp(0, load(0)),
      setTemp(1, load(1)),
      setTemp(2, add(add(load(3), load(4)), load(5))),
      store(6, mul(mul(dh, sub(one, z)), sub(one, mul(n, n)))),
      store(7, mul(mul(mul(dh, sub(hPrev, n)), z), sub(one, z))),
      store(8, mul(dh, z)),
    ],
  };
}

/** Arrays: r 0, h₋₁ 1, dRh 2, dZ 3, dhDirect 4, dGates z, r 5-6, dhCarry 7. Temps: 0 r, 1 dRh. */
function backwardB(first: boolean): LoopFunction {
  const [r, dRh] = [temp(0), temp(1)];
  return {
    name: first ? 'gruBackwardBFirst' : 'gruBackwardB',
    arrays: 8,
    scalars: 0,
    temps: 2,
    body: [
      setTemp(0, load(0)),
      setTemp(1, load(2)),
      store(5, load(3)),
      store(6, first ? constant(0) : mul(mul(mul(dRh, load(1)), r), sub(one, r))),
      store(7, add(load(4), mul(dRh, r))),
    ],
  };
}

export const GRU_SIMD = new SimdModule<Name>([
  forwardA,
  forwardB,
  backwardA(false),
  backwardA(true),
  backwardB(false),
  backwardB(true),
]);
export type GruLoops = LoopFunctions<Name>;

/** Largest multiple of 4 not above u: the columns the SIMD loops take. */
const simdColumns = (u: number): number => u - (u % 4);

export function gruForwardASimd(
  loops: GruLoops,
  dims: GruDims,
  t: number,
  projected: Float32Array,
  recurrentZr: Float32Array,
  bias: Float32Array,
  hPrev: Float32Array,
  zr: Float32Array,
  resetHidden: Float32Array,
): void {
  const { batch, time, units: u } = dims;
  const columns = simdColumns(u);
  const block = 4 * u;
  for (let b = 0; columns > 0 && b < batch; b++) {
    const p = projected.byteOffset + (b * time + t) * 3 * block;
    const r = recurrentZr.byteOffset + b * 2 * block;
    const g = zr.byteOffset + b * 2 * block;
    const row = b * block;
    const at = bias.byteOffset;
    loops.gruForwardA(
      p,
      p + block,
      r,
      r + block,
      at,
      at + block,
      hPrev.byteOffset + row,
      g,
      g + block,
      resetHidden.byteOffset + row,
      columns * 4,
    );
  }
  if (columns < u) gruForwardA(dims, t, projected, recurrentZr, bias, hPrev, zr, resetHidden, columns);
}

export function gruForwardBSimd(
  loops: GruLoops,
  dims: GruDims,
  t: number,
  projected: Float32Array,
  recurrentN: Float32Array,
  bias: Float32Array,
  zr: Float32Array,
  hPrev: Float32Array,
  h: Float32Array,
  candidate: Float32Array,
): void {
  const { batch, time, units: u } = dims;
  const columns = simdColumns(u);
  const block = 4 * u;
  for (let b = 0; columns > 0 && b < batch; b++) {
    const p = projected.byteOffset + ((b * time + t) * 3 + 2) * block;
    const row = b * block;
    const z = zr.byteOffset + b * 2 * block;
    loops.gruForwardB(
      p,
      recurrentN.byteOffset + row,
      bias.byteOffset + 2 * block,
      z,
      hPrev.byteOffset + row,
      h.byteOffset + row,
      candidate.byteOffset + row,
      columns * 4,
    );
  }
  if (columns < u) gruForwardB(dims, t, projected, recurrentN, bias, zr, hPrev, h, candidate, columns);
}

export function gruBackwardASimd(
  loops: GruLoops,
  dims: GruDims,
  t: number,
  zr: Float32Array,
  candidate: Float32Array,
  hPrev: Float32Array | null,
  dOutputs: Float32Array,
  dhRecurrent: Float32Array,
  dhCarry: Float32Array,
  dN: Float32Array,
  dZ: Float32Array,
  dhDirect: Float32Array,
): void {
  const { batch, time, units: u } = dims;
  const columns = simdColumns(u);
  const block = 4 * u;
  const kernel = hPrev ? loops.gruBackwardA : loops.gruBackwardAFirst;
  for (let b = 0; columns > 0 && b < batch; b++) {
    const row = b * block;
    const n = candidate.byteOffset + row;
    kernel(
      zr.byteOffset + b * 2 * block,
      n,
      hPrev ? hPrev.byteOffset + row : n,
      dOutputs.byteOffset + (b * time + t) * block,
      dhRecurrent.byteOffset + row,
      dhCarry.byteOffset + row,
      dN.byteOffset + row,
      dZ.byteOffset + row,
      dhDirect.byteOffset + row,
      columns * 4,
    );
  }
  if (columns < u)
    gruBackwardA(dims, t, zr, candidate, hPrev, dOutputs, dhRecurrent, dhCarry, dN, dZ, dhDirect, columns);
}

export function gruBackwardBSimd(
  loops: GruLoops,
  dims: GruDims,
  zr: Float32Array,
  hPrev: Float32Array | null,
  dResetHidden: Float32Array,
  dZ: Float32Array,
  dhDirect: Float32Array,
  dGatesZr: Float32Array,
  dhCarry: Float32Array,
): void {
  const { batch, units: u } = dims;
  const columns = simdColumns(u);
  const block = 4 * u;
  const kernel = hPrev ? loops.gruBackwardB : loops.gruBackwardBFirst;
  for (let b = 0; columns > 0 && b < batch; b++) {
    const row = b * block;
    const g = dGatesZr.byteOffset + b * 2 * block;
    const rh = dResetHidden.byteOffset + row;
    kernel(
      zr.byteOffset + b * 2 * block + block,
      hPrev ? hPrev.byteOffset + row : rh,
      rh,
      dZ.byteOffset + row,
      dhDirect.byteOffset + row,
      g,
      g + block,
      dhCarry.byteOffset + row,
      columns * 4,
    );
  }
  if (columns < u) gruBackwardB(dims, zr, hPrev, dResetHidden, dZ, dhDirect, dGatesZr, dhCarry, columns);
}
