/**
 * Just enough of the WebAssembly binary format to build SIMD loops at run time (no toolchain, no
 * .wasm file to ship): a module that imports a memory and exports functions, each one loop over
 * float32x4 statements. Used by the optimizer's updates (accel/optim/simdUpdates.ts) and the fused RNN
 * gate kernels (accel/fused/lstmSimd.ts, gruSimd.ts).
 */

/** Expressions over 4 lanes at the loop's current element. */
export type Expr =
  | { op: 'load'; array: number } // v128 at array pointer `array` + i
  | { op: 'scalar'; index: number } // a scalar parameter, splat to 4 lanes
  | { op: 'const'; value: number } // a float32 constant in every lane
  | { op: 'temp'; index: number }
  | { op: 'tee'; index: number; value: Expr } // stores into a temp and yields the value
  | { op: 'add' | 'sub' | 'mul' | 'div' | 'min' | 'max' | 'pmin' | 'pmax'; a: Expr; b: Expr }
  | { op: 'sqrt' | 'abs' | 'neg'; a: Expr };

/** A v128 store of `value` at array pointer `array` + i. */
export interface Store {
  array: number;
  value: Expr;
}

/** Sets temp `temp` to `value` (a named intermediate, read later with { op: 'temp' }). */
export interface SetTemp {
  temp: number;
  value: Expr;
}

export type Statement = Store | SetTemp;

/**
 * A function (arrayPointers..., endByte: i32, scalars...: f32) that runs `body` for i = 0, 16,
 * 32, ... < endByte. Pointers and endByte are byte offsets; endByte must be a multiple of 16.
 */
export interface LoopFunction {
  name: string;
  arrays: number;
  scalars: number;
  temps: number;
  body: Statement[];
}

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const SIMD = 0xfd;
// f32x4.* opcodes. min/max propagate NaN (several instructions on x64); pmin(a, b) = b < a ? b : a
// and pmax(a, b) = a < b ? b : a are one instruction each and keep a NaN in `a`.
const BINARY: Record<'add' | 'sub' | 'mul' | 'div' | 'min' | 'max' | 'pmin' | 'pmax', number> = {
  add: 0xe4,
  sub: 0xe5,
  mul: 0xe6,
  div: 0xe7,
  min: 0xe8,
  max: 0xe9,
  pmin: 0xea,
  pmax: 0xeb,
};
const UNARY: Record<'sqrt' | 'abs' | 'neg', number> = { abs: 0xe0, neg: 0xe1, sqrt: 0xe3 };
const F32X4_SPLAT = 0x13;
const V128_LOAD = 0x00;
const V128_STORE = 0x0b;
const V128_CONST = 0x0c;

export function unsigned(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** The 16 bytes of v128.const with `value` (as float32) in every lane. */
function f32x4Bytes(value: number): number[] {
  const lane = [...new Uint8Array(new Float32Array([value]).buffer)];
  return [...lane, ...lane, ...lane, ...lane];
}

const simd = (opcode: number): number[] => [SIMD, ...unsigned(opcode)];
const localGet = (i: number): number[] => [0x20, ...unsigned(i)];
const localSet = (i: number): number[] => [0x21, ...unsigned(i)];
const localTee = (i: number): number[] => [0x22, ...unsigned(i)];
export const vector = (items: number[][]): number[] => [...unsigned(items.length), ...items.flat()];
export const name = (s: string): number[] => vector([...new TextEncoder().encode(s)].map((b) => [b]));
export const section = (id: number, content: number[]): number[] => [id, ...unsigned(content.length), ...content];

/** Locals: params (arrays i32, end i32, scalars f32), then i (i32), splats (v128), temps (v128). */
function layout(f: LoopFunction) {
  const end = f.arrays;
  const scalarParam = (j: number): number => end + 1 + j;
  const i = end + 1 + f.scalars;
  const splat = (j: number): number => i + 1 + j;
  const temp = (t: number): number => i + 1 + f.scalars + t;
  return { end, scalarParam, i, splat, temp };
}

function encodeFunction(f: LoopFunction): number[] {
  const at = layout(f);
  const address = (array: number): number[] => [...localGet(array), ...localGet(at.i), 0x6a]; // i32.add
  const memarg = [0, 0]; // alignment hint 1 byte (always valid), offset 0
  const expr = (e: Expr): number[] => {
    switch (e.op) {
      case 'load':
        return [...address(e.array), ...simd(V128_LOAD), ...memarg];
      case 'scalar':
        return localGet(at.splat(e.index));
      case 'const':
        return [...simd(V128_CONST), ...f32x4Bytes(e.value)];
      case 'temp':
        return localGet(at.temp(e.index));
      case 'tee':
        return [...expr(e.value), ...localTee(at.temp(e.index))];
      case 'sqrt':
      case 'abs':
      case 'neg':
        return [...expr(e.a), ...simd(UNARY[e.op])];
      default:
        return [...expr(e.a), ...expr(e.b), ...simd(BINARY[e.op])];
    }
  };
  const statement = (s: Statement): number[] =>
    'temp' in s
      ? [...expr(s.value), ...localSet(at.temp(s.temp))]
      : [...address(s.array), ...expr(s.value), ...simd(V128_STORE), ...memarg];
  const code = [
    ...Array.from({ length: f.scalars }, (_, j) => [
      ...localGet(at.scalarParam(j)),
      ...simd(F32X4_SPLAT),
      ...localSet(at.splat(j)),
    ]).flat(),
    0x02,
    0x40, // block
    0x03,
    0x40, // loop
    ...localGet(at.i),
    ...localGet(at.end),
    0x4f,
    0x0d,
    1, // i32.ge_u; br_if 1 (leave the block)
    ...f.body.flatMap(statement),
    ...localGet(at.i),
    0x41,
    16,
    0x6a,
    ...localSet(at.i), // i += 16
    0x0c,
    0, // br 0 (next iteration)
    0x0b,
    0x0b, // end loop, end block
    0x0b, // end function
  ];
  const locals = vector([
    [...unsigned(1), I32],
    [...unsigned(f.scalars + f.temps), V128],
  ]);
  const body = [...locals, ...code];
  return [...unsigned(body.length), ...body];
}

/**
 * A module importing `env.memory` of any size and exporting `functions` by name. A shared memory
 * (threaded builds) must be imported as shared, with a maximum: the largest a 32-bit memory allows.
 */
export function encodeModule(functions: LoopFunction[], sharedMemory = false): Uint8Array<ArrayBuffer> {
  const memoryLimits = sharedMemory ? [0x03, 0x00, ...unsigned(65536)] : [0x00, 0x00];
  const types = functions.map((f) => [
    0x60,
    ...vector([...Array(f.arrays + 1).fill([I32]), ...Array(f.scalars).fill([F32])]),
    ...vector([]),
  ]);
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...memoryLimits]])),
    ...section(3, vector(functions.map((_, k) => unsigned(k)))),
    ...section(7, vector(functions.map((f, k) => [...name(f.name), 0x00, ...unsigned(k)]))),
    ...section(10, vector(functions.map(encodeFunction))),
  ];
  return new Uint8Array(bytes);
}
