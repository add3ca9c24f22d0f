/**
 * UnsortedSegmentSum for the wasm backend, which has none in 4.22: it is the gradient of `gather`
 * (embedding lookups), so without it `tf.layers.embedding` cannot train on wasm.
 * out[s] = sum of x[i] over every i with segmentIds[i] = s; ids outside [0, numSegments) are dropped,
 * as TensorFlow does.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, heapF32, heapView, sizeOf } from './wasmBackend';

export const unsortedSegmentSum: KernelFunc = (args) => {
  const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = args.attrs as unknown as { numSegments: number };
  if (x.dtype !== 'float32' && x.dtype !== 'int32')
    throw new Error(`UnsortedSegmentSum (wasm): dtype ${x.dtype} is not supported; use float32 or int32`);
  if (segmentIds.dtype !== 'int32')
    throw new Error(`UnsortedSegmentSum (wasm): segmentIds must be int32, not ${segmentIds.dtype}`);
  const idsRank = segmentIds.shape.length;
  if (segmentIds.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(
      `UnsortedSegmentSum (wasm): segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  const inner = sizeOf(x.shape.slice(idsRank));
  const backend = asWasmBackend(args.backend);
  const out = backend.makeOutput([numSegments, ...x.shape.slice(idsRank)], x.dtype);
  const ids = heapView(backend, segmentIds) as Int32Array;
  if (x.dtype === 'float32') sumRows(heapF32(backend, x), ids, inner, numSegments, heapF32(backend, out));
  else sumRows(heapView(backend, x) as Int32Array, ids, inner, numSegments, heapView(backend, out) as Int32Array);
  return out;
};

/** One monomorphic loop per element type. */
function sumRows<T extends Float32Array | Int32Array>(
  src: T,
  ids: Int32Array,
  inner: number,
  numSegments: number,
  dst: T,
): void {
  dst.fill(0);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i]!;
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) dst[to + j]! += src[from + j]!;
  }
}
