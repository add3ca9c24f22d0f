/**
 * The softmax gradient over rows as one WebAssembly SIMD function on the wasm backend's heap:
 *   dS = scale · P ⊙ (dP − rowsum(dP ⊙ P)), in place in dP.
 * The loop builder of wasmEncoding.ts has no reduction (each element is independent), so this
 * function is encoded here directly: per row, an f32x4 dot product summed across lanes, then an
 * f32x4 pass that uses it. Rows are a whole number of f32x4 (a multiple of 4 floats).
 */
import { name, section, unsigned, vector } from './wasmEncoding';

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const simd = (opcode: number, ...immediates: number[]): number[] => [0xfd, ...unsigned(opcode), ...immediates];
const get = (i: number): number[] => [0x20, ...unsigned(i)];
const set = (i: number): number[] => [0x21, ...unsigned(i)];
const I32_ADD = 0x6a;
const I32_GE_U = 0x4f;
const F32_ADD = 0x92;
const MEMARG = [0, 0];
const V128_LOAD = simd(0x00, ...MEMARG);
const V128_STORE = simd(0x0b, ...MEMARG);
const F32X4_SPLAT = simd(0x13);
const F32X4_ADD = simd(0xe4);
const F32X4_SUB = simd(0xe5);
const F32X4_MUL = simd(0xe6);
const lane = (l: number): number[] => simd(0x1f, l); // f32x4.extract_lane

/** The function's locals by name: its parameters (dp, p: byte offsets; rowBytes, endByte: bytes from dp and p; scale: f32), then row, j (i32) and sum, dot, scale4 (v128). */
const LOCAL = { dp: 0, p: 1, rowBytes: 2, endByte: 3, scale: 4, row: 5, j: 6, sum: 7, dot: 8, scale4: 9 } as const;
const {
  dp: DP,
  p: P,
  rowBytes: ROW_BYTES,
  endByte: END,
  scale: SCALE,
  row: ROW,
  j: J,
  sum: SUM,
  dot: DOT,
  scale4: SCALE4,
} = LOCAL;

/** block { loop { if (counter >= limit) break; body; counter += step; continue } } */
function countedLoop(counter: number, limit: number, step: number[], body: number[]): number[] {
  return [
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(counter),
    ...get(limit),
    I32_GE_U,
    0x0d,
    1,
    ...body,
    ...get(counter),
    ...step,
    I32_ADD,
    ...set(counter),
    0x0c,
    0,
    0x0b,
    0x0b,
  ];
}

/** v128.load of array `base` at row + j. */
const at = (base: number): number[] => [...get(base), ...get(ROW), I32_ADD, ...get(J), I32_ADD];

function functionBody(): number[] {
  const dotLoop = countedLoop(
    J,
    ROW_BYTES,
    [0x41, 16],
    [...get(SUM), ...at(DP), ...V128_LOAD, ...at(P), ...V128_LOAD, ...F32X4_MUL, ...F32X4_ADD, ...set(SUM)],
  );
  const gradLoop = countedLoop(
    J,
    ROW_BYTES,
    [0x41, 16],
    [
      ...at(DP),
      ...get(SCALE4),
      ...at(P),
      ...V128_LOAD,
      ...F32X4_MUL,
      ...at(DP),
      ...V128_LOAD,
      ...get(DOT),
      ...F32X4_SUB,
      ...F32X4_MUL,
      ...V128_STORE,
    ],
  );
  const row = [
    ...simd(0x0c, ...new Array(16).fill(0)),
    ...set(SUM), // sum = 0
    0x41,
    0,
    ...set(J),
    ...dotLoop,
    ...get(SUM),
    ...lane(0),
    ...get(SUM),
    ...lane(1),
    F32_ADD,
    ...get(SUM),
    ...lane(2),
    F32_ADD,
    ...get(SUM),
    ...lane(3),
    F32_ADD,
    ...F32X4_SPLAT,
    ...set(DOT),
    0x41,
    0,
    ...set(J),
    ...gradLoop,
  ];
  const code = [...get(SCALE), ...F32X4_SPLAT, ...set(SCALE4), ...countedLoop(ROW, END, get(ROW_BYTES), row), 0x0b];
  const locals = vector([
    [...unsigned(2), I32],
    [...unsigned(3), V128],
  ]);
  const body = [...locals, ...code];
  return [...unsigned(body.length), ...body];
}

/** A module importing `env.memory` (shared for threaded builds) and exporting `softmaxGradRows`. */
export function encodeSoftmaxGradModule(sharedMemory = false): Uint8Array<ArrayBuffer> {
  const memoryLimits = sharedMemory ? [0x03, 0x00, ...unsigned(65536)] : [0x00, 0x00];
  const type = [0x60, ...vector([[I32], [I32], [I32], [I32], [F32]]), ...vector([])];
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vector([type])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, ...memoryLimits]])),
    ...section(3, vector([[0]])),
    ...section(7, vector([[...name('softmaxGradRows'), 0x00, 0]])),
    ...section(10, vector([functionBody()])),
  ]);
}

/** (dpByte, pByte, rowBytes, endByte, scale): rows of rowBytes from each pointer up to endByte, in place in dp. */
export type SoftmaxGradRowsFunction = (dp: number, p: number, rowBytes: number, endByte: number, scale: number) => void;

const compiled = new Map<boolean, WebAssembly.Module | null>();
const byMemory = new WeakMap<WebAssembly.Memory, SoftmaxGradRowsFunction | null>();

/** The function over this memory (any later buffer of it too: pointers are offsets), or null without SIMD. */
export function softmaxGradRowsOn(memory: WebAssembly.Memory): SoftmaxGradRowsFunction | null {
  let fn = byMemory.get(memory);
  if (fn !== undefined) return fn;
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!compiled.has(shared)) {
    try {
      compiled.set(shared, new WebAssembly.Module(encodeSoftmaxGradModule(shared)));
    } catch {
      compiled.set(shared, null);
    }
  }
  const module = compiled.get(shared)!;
  fn = module
    ? (new WebAssembly.Instance(module, { env: { memory } }).exports as { softmaxGradRows: SoftmaxGradRowsFunction })
        .softmaxGradRows
    : null;
  byMemory.set(memory, fn);
  return fn;
}
