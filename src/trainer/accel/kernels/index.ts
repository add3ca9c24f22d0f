/**
 * Faster kernels for tfjs-backend-wasm 4.22, registered from JavaScript over the stock ones.
 *
 * Usage (the trainer's backend set-up), once the wasm backend is active:
 *   await tf.setBackend('wasm'); await tf.ready();
 *   const replaced = registerFastWasmKernels(); // ['BatchMatMul', '_FusedMatMul', ...]
 *
 * The registry is global per backend name, so this affects every later wasm computation in the
 * process; calling it again changes nothing and returns the same names.
 */
import '@tensorflow/tfjs-backend-wasm'; // registers the stock wasm kernels that these wrap
import * as tf from '@tensorflow/tfjs';
import { fastPow, fastTanh } from './elementwise';
import { sharedCast, sharedIdentity } from './identity';
import { type StockKernels, fastBatchMatMul, fastFusedMatMul } from './matMul';
import { fastSum } from './reduce';
import { unsortedSegmentSum } from './segmentSum';
import { fastSlice, fastSplitV, fastUnpack } from './slice';

const BACKEND = 'wasm';

/** Stock kernel functions, captured once: after registration `getKernel` returns ours. */
type Stock = StockKernels &
  Record<'slice' | 'splitV' | 'unpack' | 'identity' | 'cast' | 'tanh' | 'pow' | 'sum', tf.KernelFunc>;
let stock: Stock | null = null;
/** Stock configs by name: their setupFunc (which binds the C++ entry points) moves onto ours. */
const stockConfigs = new Map<string, tf.KernelConfig>();
const ours = new WeakSet<tf.KernelFunc>();

function stockKernel(name: string): tf.KernelFunc {
  const config = tf.getKernel(name, BACKEND);
  if (!config)
    throw new Error(
      `fast wasm kernels: stock kernel ${name} is not registered; is @tensorflow/tfjs-backend-wasm 4.22 loaded?`,
    );
  stockConfigs.set(name, config);
  return config.kernelFunc;
}

function captureStock(): Stock {
  stock ??= {
    transpose: stockKernel(tf.Transpose),
    batchMatMul: stockKernel(tf.BatchMatMul),
    fusedMatMul: stockKernel(tf._FusedMatMul),
    slice: stockKernel(tf.Slice),
    splitV: stockKernel(tf.SplitV),
    unpack: stockKernel(tf.Unpack),
    identity: stockKernel(tf.Identity),
    cast: stockKernel(tf.Cast),
    tanh: stockKernel(tf.Tanh),
    pow: stockKernel(tf.Pow),
    sum: stockKernel(tf.Sum),
  };
  return stock;
}

function replacements(s: Stock): Array<[string, tf.KernelFunc]> {
  return [
    [tf.BatchMatMul, fastBatchMatMul(s)],
    [tf._FusedMatMul, fastFusedMatMul(s)],
    [tf.Slice, fastSlice(s.slice)],
    [tf.SplitV, fastSplitV(s.splitV)],
    [tf.Unpack, fastUnpack(s.unpack)],
    [tf.UnsortedSegmentSum, unsortedSegmentSum],
    [tf.Identity, sharedIdentity(s.identity)],
    [tf.Cast, sharedCast(s.cast)],
    [tf.Tanh, fastTanh(s.tanh)],
    [tf.Pow, fastPow(s.pow)],
    [tf.Sum, fastSum(s.sum)],
  ];
}

/** Replaces (or adds) the wasm kernels listed in this folder; returns their names. Idempotent. */
export function registerFastWasmKernels(): string[] {
  const names: string[] = [];
  for (const [kernelName, kernelFunc] of replacements(captureStock())) {
    names.push(kernelName);
    const current = tf.getKernel(kernelName, BACKEND);
    if (current && ours.has(current.kernelFunc)) continue;
    if (current) tf.unregisterKernel(kernelName, BACKEND);
    ours.add(kernelFunc);
    tf.registerKernel({
      kernelName,
      backendName: BACKEND,
      kernelFunc,
      setupFunc: stockConfigs.get(kernelName)?.setupFunc,
    });
  }
  return names;
}
