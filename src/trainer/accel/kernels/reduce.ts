/**
 * Sum for the wasm backend. The stock kernel transposes the reduced axes innermost before a scalar
 * loop, so a bias gradient (sum of [2048, 512] over axis 0) first copies the whole tensor through
 * a strided transpose, on every step of the transformer. Here every float32 reduction over one run
 * of adjacent axes that are not the innermost is read in place as [outer, reduced, inner] and summed
 * in one pass, rows into a double accumulator (the cpu backend also sums in double, so results agree
 * to float32 rounding). Reductions of the innermost axes need no transpose and the stock C++ loop is
 * faster there; those, int32 and non-adjacent axes go to
 * the stock kernel. Empty inputs give zeros (the stock kernel leaves the output uninitialised).
 */
import { type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs';
import { asWasmBackend, heapF32, heapView } from './wasmBackend';

/** The tensor read as [outer, reduced, inner]; null when the reduced axes are not one adjacent run. */
export interface ReductionLayout {
  outer: number;
  reduced: number;
  inner: number;
  outShape: number[];
}

export function reductionLayout(shape: number[], axis: number | number[], keepDims: boolean): ReductionLayout | null {
  const axes = [...new Set(util.parseAxisParam(axis, shape))].sort((a, b) => a - b);
  if (axes.length === 0) return null;
  const first = axes[0]!;
  const last = axes[axes.length - 1]!;
  if (last - first + 1 !== axes.length) return null;
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  const outShape = keepDims
    ? shape.map((d, i) => (i >= first && i <= last ? 1 : d))
    : shape.filter((_, i) => i < first || i > last);
  return { outer: size(0, first), reduced: size(first, last + 1), inner: size(last + 1, shape.length), outShape };
}

/** Reused between calls: a training step sums the same few widths over and over. */
let accumulator = new Float64Array(0);

/** dst[o * inner + j] = sum over r of src[(o * reduced + r) * inner + j], accumulated in double. */
export function sumLayout(src: Float32Array, dst: Float32Array, { outer, reduced, inner }: ReductionLayout): void {
  if (accumulator.length < inner) accumulator = new Float64Array(inner);
  const acc = accumulator;
  for (let o = 0; o < outer; o++) {
    acc.fill(0, 0, inner);
    // Four rows per pass over the accumulator: a quarter of its loads and stores.
    let r = 0;
    for (; r + 4 <= reduced; r += 4) {
      const r0 = (o * reduced + r) * inner;
      const r1 = r0 + inner;
      const r2 = r1 + inner;
      const r3 = r2 + inner;
      for (let j = 0; j < inner; j++) acc[j]! += src[r0 + j]! + src[r1 + j]! + src[r2 + j]! + src[r3 + j]!;
    }
    for (; r < reduced; r++) {
      const row = (o * reduced + r) * inner;
      for (let j = 0; j < inner; j++) acc[j]! += src[row + j]!;
    }
    const to = o * inner;
    for (let j = 0; j < inner; j++) dst[to + j] = acc[j]!;
  }
}

export function fastSum(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const attrs = args.attrs as unknown as { axis: number | number[] | null; keepDims: boolean };
    const axis = attrs.axis ?? x.shape.map((_, i) => i); // null: every axis
    if (util.sizeFromShape(x.shape) === 0) return emptySum(args.backend, x, axis, attrs.keepDims);
    const layout = x.dtype === 'float32' ? reductionLayout(x.shape, axis, attrs.keepDims) : null;
    if (!layout || layout.inner === 1) return stock(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(layout.outShape, 'float32');
    sumLayout(heapF32(backend, x), heapF32(backend, out), layout);
    return out;
  };
}

/** A sum over nothing is 0; the stock kernel returns the output's uninitialised memory. */
function emptySum(backendArg: unknown, x: TensorInfo, axis: number | number[], keepDims: boolean): TensorInfo {
  const axes = util.parseAxisParam(axis, x.shape);
  const outShape = keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const backend = asWasmBackend(backendArg);
  const out = backend.makeOutput(outShape, x.dtype);
  heapView(backend, out).fill(0);
  return out;
}
