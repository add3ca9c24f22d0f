/**
 * Tanh and Pow for the wasm backend. Both stock kernels call scalar libm per element: on a
 * [2048, 512] activation (the transformer's GELU) tanh took 38 ms and pow(x, 3) 35 ms, against
 * 2.3 ms for the XNNPACK Sigmoid and 0.7 ms for a Multiply.
 */
import { type KernelFunc, type TensorInfo, broadcast_util } from '@tensorflow/tfjs';
import { asWasmBackend, heapF32, heapView } from './wasmBackend';

/** Below this |x| a 7th-order series is used: 2·sigmoid(2x) − 1 loses relative precision near 0. */
const SERIES_LIMIT = 0.1;

/** tanh(x) = 2·sigmoid(2x) − 1, with the fast stock (XNNPACK) Sigmoid doing the transcendental part. */
export function fastTanh(stockTanh: KernelFunc, stockSigmoid: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32') return stockTanh(args);
    const backend = asWasmBackend(args.backend);
    const doubled = backend.makeOutput(x.shape, 'float32');
    {
      const src = heapF32(backend, x);
      const dst = heapF32(backend, doubled);
      for (let i = 0; i < src.length; i++) dst[i] = 2 * src[i]!;
    }
    const out = stockSigmoid({ inputs: { x: doubled }, backend: args.backend, attrs: {} }) as TensorInfo;
    backend.disposeData(doubled.dataId);
    const src = heapF32(backend, x);
    const dst = heapF32(backend, out);
    const limit2 = SERIES_LIMIT * SERIES_LIMIT;
    // Both branches computed and selected without a jump: random signs made the branchy loop 4x slower.
    for (let i = 0; i < src.length; i++) {
      const v = src[i]!;
      const v2 = v * v;
      const series = v * (1 - v2 * (1 / 3 - v2 * (2 / 15 - v2 * (17 / 315))));
      const viaSigmoid = 2 * dst[i]! - 1;
      dst[i] = v2 <= limit2 ? series : viaSigmoid;
    }
    return out;
  };
}

/** pow(x, e) for a float32 base and a single-element exponent; everything else goes to the stock kernel. */
export function fastPow(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const exponentSize = b.shape.reduce((p, d) => p * d, 1);
    if (a.dtype !== 'float32' || exponentSize !== 1 || (b.dtype !== 'float32' && b.dtype !== 'int32')) return stock(args);
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
