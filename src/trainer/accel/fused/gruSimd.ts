/**
 * The GRU gate steps as WebAssembly SIMD loops over the wasm heap (4 floats at a time, float32),
 * one call per batch row, with the scalar loops of gruGateMath.ts for the columns left over from
 * groups of 4. Same maths and layouts as gruGateMath.ts; σ and tanh as in lstmSimd.ts.
 */
import {
  add,
  constant,
  load,
  mul,
  operands,
  SCRATCH_TEMPS,
  setTemp,
  sigmoid,
  store,
  sub,
  tanh,
  temp,
} from '../simd/expressions';
import { type LoopFunctions, SimdModule } from '../simd/heapModules';
import type { Expr, LoopFunction } from '../simd/wasmEncoding';
import { type GruDims, gruBackwardA, gruBackwardB, gruForwardA, gruForwardB } from './gruGateMath';

type Name = 'gruForwardA' | 'gruForwardB' | 'gruBackwardA' | 'gruBackwardAFirst' | 'gruBackwardB' | 'gruBackwardBFirst';

const one = constant(1);

/** The update and reset gates z, r, and r·h₋₁ for the candidate's recurrent product. */
const forwardA: LoopFunction = (() => {
  const {
    array,
    temp: t,
    ...counts
  } = operands(
    ['projectedZ', 'projectedR', 'recurrentZ', 'recurrentR', 'biasZ', 'biasR', 'hPrev', 'z', 'r', 'resetHidden'],
    [],
    SCRATCH_TEMPS,
  );
  const r = t.scratch2; // σ's last scratch temp, free again once σ(r) is computed
  return {
    name: 'gruForwardA',
    ...counts,
    body: [
      store(array.z, sigmoid(add(add(load(array.projectedZ), load(array.recurrentZ)), load(array.biasZ)), t.scratch)),
      setTemp(r, sigmoid(add(add(load(array.projectedR), load(array.recurrentR)), load(array.biasR)), t.scratch)),
      store(array.r, temp(r)),
      store(array.resetHidden, mul(temp(r), load(array.hPrev))),
    ],
  };
})();

/** The candidate n and the new state h = (1 − z)·n + z·h₋₁. */
const forwardB: LoopFunction = (() => {
  const {
    array,
    temp: t,
    ...counts
  } = operands(['projectedN', 'recurrentN', 'biasN', 'z', 'hPrev', 'h', 'candidate'], [], [...SCRATCH_TEMPS, 'z']);
  const n = t.scratch2; // tanh's last scratch temp, free again once tanh(n) is computed
  return {
    name: 'gruForwardB',
    ...counts,
    body: [
      setTemp(n, tanh(add(add(load(array.projectedN), load(array.recurrentN)), load(array.biasN)), t.scratch)),
      store(array.candidate, temp(n)),
      setTemp(t.z, load(array.z)),
      store(array.h, add(mul(sub(one, temp(t.z)), temp(n)), mul(temp(t.z), load(array.hPrev)))),
    ],
  };
})();

/** dN, dZ and the direct part of dh₋₁ (dh·z); at step 0 (`first`) h₋₁ = 0 and is not read. */
function backwardA(first: boolean): LoopFunction {
  const {
    array,
    temp: t,
    ...counts
  } = operands(['z', 'n', 'hPrev', 'dOutputs', 'dhRecurrent', 'dhCarry', 'dN', 'dZ', 'dhDirect'], [], ['z', 'n', 'dh']);
  const [z, n, dh] = [temp(t.z), temp(t.n), temp(t.dh)];
  const hPrev: Expr = first ? constant(0) : load(array.hPrev);
  return {
    name: first ? 'gruBackwardAFirst' : 'gruBackwardA',
    ...counts,
    body: [
      setTemp(t.z, load(array.z)),
      setTemp(t.n, load(array.n)),
      setTemp(t.dh, add(add(load(array.dOutputs), load(array.dhRecurrent)), load(array.dhCarry))),
      store(array.dN, mul(mul(dh, sub(one, z)), sub(one, mul(n, n)))),
      store(array.dZ, mul(mul(mul(dh, sub(hPrev, n)), z), sub(one, z))),
      store(array.dhDirect, mul(dh, z)),
    ],
  };
}

/** The z and r gate gradients and the dh₋₁ carried to the step before; at step 0 (`first`) h₋₁ = 0 and is not read. */
function backwardB(first: boolean): LoopFunction {
  const {
    array,
    temp: t,
    ...counts
  } = operands(['r', 'hPrev', 'dRh', 'dZ', 'dhDirect', 'dGatesZ', 'dGatesR', 'dhCarry'], [], ['r', 'dRh']);
  const [r, dRh] = [temp(t.r), temp(t.dRh)];
  return {
    name: first ? 'gruBackwardBFirst' : 'gruBackwardB',
    ...counts,
    body: [
      setTemp(t.r, load(array.r)),
      setTemp(t.dRh, load(array.dRh)),
      store(array.dGatesZ, load(array.dZ)),
      store(array.dGatesR, first ? constant(0) : mul(mul(mul(dRh, load(array.hPrev)), r), sub(one, r))),
      store(array.dhCarry, add(load(array.dhDirect), mul(dRh, r))),
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
