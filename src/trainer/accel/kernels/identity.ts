/**
 * Identity and same-dtype Cast without a copy. The stock wasm kernels copy the whole tensor; the
 * gradient tape calls them about a thousand times per recurrent training step. Sharing the data
 * with a reference count is what the cpu backend and the wasm Reshape kernel already do, and is
 * safe because wasm kernels never write into their inputs.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';

interface RefCounted {
  incRef(dataId: object): void;
}

function share(backend: unknown, x: TensorInfo): TensorInfo {
  (backend as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function sharedIdentity(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    return x.dtype === 'string' ? stock(args) : share(args.backend, x);
  };
}

export function sharedCast(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as { dtype: string };
    return x.dtype === dtype && dtype !== 'string' ? share(args.backend, x) : stock(args);
  };
}
