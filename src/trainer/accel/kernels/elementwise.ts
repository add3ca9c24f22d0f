/**
 * Tanh and Pow for the wasm backend. Both stock kernels call scalar libm per element, an order of
 * magnitude slower than the XNNPACK Sigmoid or a Multiply on the transformer's GELU activations.
 */
import { type KernelFunc, type TensorInfo, broadcast_util } from '@tensorflow/tfjs';
import { tanhRational } from './tanhRational';
import { asWasmBackend, heapF32, heapView } from './wasmBackend';

/** tanh in one pass over the heap (see tanhRational.ts for the approximation and its precision). */
export function fastTanh(stockTanh: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32') return stockTanh(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(x.shape, 'float32');
    const src = heapF32(backend, x);
    const dst = heapF32(backend, out);
    for (let i = 0; i < src.length; i++) dst[i] = tanhRational(src[i]!);
    return out;
  };
}

/** pow(x, e) for a float32 base and a single-element exponent; everything else goes to the stock kernel. */
export function fastPow(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const exponentSize = b.shape.reduce((p, d) => p * d, 1);
    if (a.dtype !== 'float32' || exponentSize !== 1 || (b.dtype !== 'float32' && b.dtype !== 'int32'))
      return stock(args);
    const backend = asWasmBackend(args.backend);
    const outShape = broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const e = heapView(backend, b)[0]!;
    const out = backend.makeOutput(outShape, 'float32');
    const src = heapF32(backend, a);
    const dst = heapF32(backend, out);
    const n = src.length;
    if (e === 2) for (let i = 0; i < n; i++) dst[i] = src[i]! * src[i]!;
    else if (e === 3) for (let i = 0; i < n; i++) dst[i] = src[i]! * src[i]! * src[i]!;
    else if (e === 1) dst.set(src);
    else if (e === 0.5) for (let i = 0; i < n; i++) dst[i] = Math.sqrt(src[i]!);
    else for (let i = 0; i < n; i++) dst[i] = Math.pow(src[i]!, e);
    return out;
  };
}
