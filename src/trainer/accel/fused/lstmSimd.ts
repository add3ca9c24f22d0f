/**
 * The LSTM gate step, forward and backward, as WebAssembly SIMD loops over the wasm heap (4 floats
 * at a time, in float32), one call per batch row (one call per step over every row, with row
 * strides, measured no faster); the columns left over from groups of 4 run the scalar loops of
 * lstmGateMath.ts. Same maths and layouts as lstmGateMath.ts, with σ(x) = 0.5·tanh(x/2) + 0.5 and
 * tanh the rational function of simd/expressions.ts: one pass per step, no backend sigmoid pass
 * and no pre-activation buffer (several times faster than the JS loops with XNNPACK's sigmoid).
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
import type { LoopFunction } from '../simd/wasmEncoding';
import { type LstmDims, lstmGateBackward, lstmGateForwardColumns } from './lstmGateMath';

type Name = 'lstmForward' | 'lstmBackward' | 'lstmBackwardFirst';

/** Gate blocks in order i, f, g, o. */
const GATES = ['I', 'F', 'G', 'O'] as const;
type Gate = (typeof GATES)[number];
/** One array per gate block, in gate order. */
const perGate = <P extends string>(prefix: P) => GATES.map((k): `${P}${Gate}` => `${prefix}${k}`);

/** One step's gates, cell and output; `saved` keeps the gates and tanh c for the backward. */
const forward: LoopFunction = (() => {
  const {
    array,
    temp: t,
    ...counts
  } = operands(
    [
      ...perGate('projected'),
      ...perGate('recurrent'),
      ...perGate('bias'),
      'cellPrev',
      'h',
      'c',
      ...perGate('saved'),
      'savedTanhC',
    ],
    [],
    [...SCRATCH_TEMPS, ...GATES, 'c', 'tanhC'],
  );
  return {
    name: 'lstmForward',
    ...counts,
    body: [
      ...GATES.flatMap((k) => {
        const z = add(add(load(array[`projected${k}`]), load(array[`recurrent${k}`])), load(array[`bias${k}`]));
        return [
          setTemp(t[k], k === 'G' ? tanh(z, t.scratch) : sigmoid(z, t.scratch)),
          store(array[`saved${k}`], temp(t[k])),
        ];
      }),
      setTemp(t.c, add(mul(temp(t.F), load(array.cellPrev)), mul(temp(t.I), temp(t.G)))),
      store(array.c, temp(t.c)),
      setTemp(t.tanhC, tanh(temp(t.c), t.scratch)),
      store(array.savedTanhC, temp(t.tanhC)),
      store(array.h, mul(temp(t.O), temp(t.tanhC))),
    ],
  };
})();

/**
 * One step's gate gradients and dc₋₁ from the saved gates. At step 0 (`first`) c₋₁ = 0, so the
 * forget gate's gradient is 0 and cellPrev is not read.
 */
function backward(first: boolean): LoopFunction {
  const {
    array,
    temp: t,
    ...counts
  } = operands(
    [
      ...perGate('saved'),
      'savedTanhC',
      'cellPrev',
      'dOutputs',
      'dhRecurrent',
      'dcNext',
      ...perGate('dGates'),
      'dcPrev',
    ],
    [],
    [...GATES, 'tanhC', 'dh', 'dc'],
  );
  const one = constant(1);
  const [i, f, g, o, tc, dh, dc] = [temp(t.I), temp(t.F), temp(t.G), temp(t.O), temp(t.tanhC), temp(t.dh), temp(t.dc)];
  return {
    name: first ? 'lstmBackwardFirst' : 'lstmBackward',
    ...counts,
    body: [
      ...GATES.map((k) => setTemp(t[k], load(array[`saved${k}`]))),
      setTemp(t.tanhC, load(array.savedTanhC)),
      setTemp(t.dh, add(load(array.dOutputs), load(array.dhRecurrent))),
      setTemp(t.dc, add(load(array.dcNext), mul(mul(dh, o), sub(one, mul(tc, tc))))),
      store(array.dGatesI, mul(mul(mul(dc, g), i), sub(one, i))),
      store(array.dGatesF, first ? constant(0) : mul(mul(mul(dc, load(array.cellPrev)), f), sub(one, f))),
      store(array.dGatesG, mul(mul(dc, i), sub(one, mul(g, g)))),
      store(array.dGatesO, mul(mul(mul(dh, tc), o), sub(one, o))),
      store(array.dcPrev, mul(dc, f)),
    ],
  };
}

export const LSTM_SIMD = new SimdModule<Name>([forward, backward(false), backward(true)]);
export type LstmLoops = LoopFunctions<Name>;

/** Largest multiple of 4 not above u: the columns the SIMD loops take. */
const simdColumns = (u: number): number => u - (u % 4);

/** Forward step t on heap views (see lstmGateMath.ts for layouts). */
export function lstmForwardSimd(
  loops: LstmLoops,
  dims: LstmDims,
  t: number,
  projected: Float32Array,
  recurrentPart: Float32Array,
  bias: Float32Array,
  cellPrev: Float32Array,
  h: Float32Array,
  c: Float32Array,
  saved: Float32Array,
): void {
  const { batch, time, units: u } = dims;
  const columns = simdColumns(u);
  if (columns > 0) {
    const block = 4 * u; // bytes per gate block
    const biasAt = bias.byteOffset;
    for (let b = 0; b < batch; b++) {
      const p = projected.byteOffset + (b * time + t) * 4 * block;
      const r = recurrentPart.byteOffset + b * 4 * block;
      const row = b * block;
      const s = saved.byteOffset + b * 5 * block;
      loops.lstmForward(
        p,
        p + block,
        p + 2 * block,
        p + 3 * block,
        r,
        r + block,
        r + 2 * block,
        r + 3 * block,
        biasAt,
        biasAt + block,
        biasAt + 2 * block,
        biasAt + 3 * block,
        cellPrev.byteOffset + row,
        h.byteOffset + row,
        c.byteOffset + row,
        s,
        s + block,
        s + 2 * block,
        s + 3 * block,
        s + 4 * block,
        columns * 4,
      );
    }
  }
  if (columns < u) lstmGateForwardColumns(dims, t, projected, recurrentPart, bias, cellPrev, h, c, saved, columns);
}

/** Backward step t on heap views; `cellPrev` is null at step 0. */
export function lstmBackwardSimd(
  loops: LstmLoops,
  dims: LstmDims,
  t: number,
  saved: Float32Array,
  cellPrev: Float32Array | null,
  dOutputs: Float32Array,
  dhRecurrent: Float32Array,
  dcNext: Float32Array,
  dGates: Float32Array,
  dcPrev: Float32Array,
): void {
  const { batch, time, units: u } = dims;
  const columns = simdColumns(u);
  if (columns > 0) {
    const block = 4 * u;
    const kernel = cellPrev ? loops.lstmBackward : loops.lstmBackwardFirst;
    for (let b = 0; b < batch; b++) {
      const s = saved.byteOffset + b * 5 * block;
      const row = b * block;
      const g = dGates.byteOffset + b * 4 * block;
      kernel(
        s,
        s + block,
        s + 2 * block,
        s + 3 * block,
        s + 4 * block,
        cellPrev ? cellPrev.byteOffset + row : s,
        dOutputs.byteOffset + (b * time + t) * block,
        dhRecurrent.byteOffset + row,
        dcNext.byteOffset + row,
        g,
        g + block,
        g + 2 * block,
        g + 3 * block,
        dcPrev.byteOffset + row,
        columns * 4,
      );
    }
  }
  if (columns < u) lstmGateBackward(dims, t, saved, cellPrev, dOutputs, dhRecurrent, dcNext, dGates, dcPrev, columns);
}
