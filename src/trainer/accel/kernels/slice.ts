/**
 * Slice, SplitV and Unpack for the wasm backend that read the input through one heap view.
 * The stock 4.22 Slice starts with `backend.readSync(x)`, a copy of the WHOLE input, and SplitV and
 * Unpack call it once per output: unstacking a [64, 32, 1024] sequence copied 64 x 8 MB per step.
 * Here each output costs only its own bytes.
 */
import { type KernelFunc, type TensorInfo, backend_util, slice_util, util } from '@tensorflow/tfjs';
import { type WasmBackend, asWasmBackend, heapView } from './wasmBackend';

type Typed = Float32Array | Int32Array | Uint8Array;

/** Copies the box [begin, begin + size) of a row-major `shape` array into `dst`, one contiguous run at a time. */
export function copyBox(
  src: Typed,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  dst: Typed,
): void {
  const rank = shape.length;
  if (rank === 0) {
    dst[0] = src[0]!;
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  // Merge trailing axes taken whole into one run.
  let d = rank - 1;
  let run = size[d]!;
  while (d > 0 && size[d] === shape[d]) {
    d--;
    run *= size[d]!;
  }
  const outer = d; // axes [0, outer) are looped; axis `outer` starts the run
  const index = new Array<number>(outer).fill(0);
  let outOffset = 0;
  const total = size.reduce((a, b) => a * b, 1);
  while (outOffset < total) {
    let offset = begin[outer]! * strides[outer]!;
    for (let j = 0; j < outer; j++) offset += (begin[j]! + index[j]!) * strides[j]!;
    dst.set(src.subarray(offset, offset + run), outOffset);
    outOffset += run;
    for (let j = outer - 1; j >= 0; j--) {
      if (++index[j]! < size[j]!) break;
      index[j] = 0;
    }
  }
}

function sliceInfo(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  if (x.dtype === 'string') throw new Error('fast Slice: string tensors are left to the stock kernel');
  const out = backend.makeOutput(size, x.dtype);
  if (util.sizeFromShape(size) === 0) return out;
  // Views after the allocation: growing the heap detaches older ones.
  copyBox(heapView(backend, x), x.shape, begin, size, heapView(backend, out));
  return out;
}

export function fastSlice(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return stock(args);
    const attrs = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin, size] = slice_util.parseSliceParams(x as never, attrs.begin, attrs.size) as [number[], number[]];
    return sliceInfo(asWasmBackend(args.backend), x, begin, size);
  };
}

export function fastSplitV(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return stock(args);
    const attrs = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const axis = util.parseAxisParam(attrs.axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x as never, attrs.numOrSizeSplits, axis);
    const backend = asWasmBackend(args.backend);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const out = sliceInfo(backend, x, begin, size);
      begin[axis]! += s;
      return out;
    });
  };
}

export function fastUnpack(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { value } = args.inputs as { value: TensorInfo };
    if (value.dtype === 'string') return stock(args);
    let { axis } = args.attrs as unknown as { axis: number };
    if (axis < 0) axis += value.shape.length;
    const backend = asWasmBackend(args.backend);
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(value.shape.length).fill(0);
    const size = [...value.shape];
    size[axis] = 1;
    const outs: TensorInfo[] = [];
    for (let i = 0; i < value.shape[axis]!; i++) {
      begin[axis] = i;
      const out = sliceInfo(backend, value, begin, size);
      outs.push({ ...out, shape: outShape });
    }
    return outs;
  };
}
