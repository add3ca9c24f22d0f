/**
 * The bias add and activation that tfjs fuses into _FusedMatMul, applied in place on the product
 * (a view of the wasm heap). Same formulas as the cpu backend's kernels (Add, Relu, Elu, ...).
 */
import { type TensorInfo, broadcast_util } from '@tensorflow/tfjs';
import { sizeOf } from '../kernels/wasmBackend';
import { broadcastIndex } from './broadcastIndex';

export const FUSED_ACTIVATIONS = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'prelu', 'sigmoid'] as const;
export type FusedActivation = (typeof FUSED_ACTIVATIONS)[number];

/**
 * How an operand (bias, prelu weights) broadcasts over an output of n columns: one value, one per
 * column, one per element, or any other way through an index per output element.
 */
export type Broadcast = 'scalar' | 'row' | 'full' | Int32Array;

/** Null when the operand is not float32 or does not broadcast to the output's shape: the previous kernel reports it. */
export function broadcastKind(operand: TensorInfo, outShape: number[]): Broadcast | null {
  if (operand.dtype !== 'float32') return null;
  let joined: number[];
  try {
    joined = broadcast_util.assertAndGetBroadcastShape(operand.shape, outShape);
  } catch {
    return null;
  }
  if (joined.length !== outShape.length || joined.some((d, i) => d !== outShape[i])) return null; // would grow the output
  const size = sizeOf(operand.shape);
  const n = outShape[outShape.length - 1]!;
  if (size === 1) return 'scalar';
  if (size === n && operand.shape[operand.shape.length - 1] === n) return 'row';
  return broadcastIndex(operand.shape, outShape) ?? 'full';
}

export function isFusedActivation(name: unknown): name is FusedActivation {
  return (FUSED_ACTIVATIONS as readonly unknown[]).includes(name ?? 'linear');
}

/**
 * out = bias, broadcast as `kind` over rows of n: written before the product, which the BLAS then
 * adds (beta = 1) with the same single rounding as adding the bias afterwards, minus one pass.
 */
export function fillBias(out: Float32Array, n: number, bias: Float32Array, kind: Broadcast): void {
  const size = out.length;
  if (kind === 'scalar') {
    out.fill(bias[0]!);
  } else if (kind === 'row') {
    const row = bias.subarray(0, n);
    for (let start = 0; start < size; start += n) out.set(row, start);
  } else if (kind === 'full') {
    out.set(bias.subarray(0, size));
  } else {
    for (let i = 0; i < size; i++) out[i] = bias[kind[i]!]!;
  }
}

export interface ActivationParams {
  /** leakyrelu's slope for negative inputs. */
  leakyreluAlpha: number;
  /** prelu's slopes, broadcast as `preluKind`. */
  prelu: Float32Array | null;
  preluKind: Broadcast | null;
}

export function activate(out: Float32Array, n: number, activation: FusedActivation, params: ActivationParams): void {
  const size = out.length;
  switch (activation) {
    case 'linear':
      return;
    case 'relu':
      for (let i = 0; i < size; i++) if (out[i]! < 0) out[i] = 0;
      return;
    case 'relu6':
      for (let i = 0; i < size; i++) out[i] = Math.min(Math.max(0, out[i]!), 6);
      return;
    case 'elu':
      for (let i = 0; i < size; i++) if (!(out[i]! >= 0)) out[i] = Math.exp(out[i]!) - 1;
      return;
    case 'leakyrelu': {
      const alpha = params.leakyreluAlpha;
      for (let i = 0; i < size; i++) if (out[i]! < 0) out[i] = alpha * out[i]!;
      return;
    }
    case 'sigmoid':
      for (let i = 0; i < size; i++) out[i] = 1 / (1 + Math.exp(-out[i]!));
      return;
    case 'prelu':
      return prelu(out, n, params.prelu!, params.preluKind!);
  }
}

function prelu(out: Float32Array, n: number, alpha: Float32Array, kind: Broadcast): void {
  const size = out.length;
  if (kind === 'scalar') {
    const a = alpha[0]!;
    for (let i = 0; i < size; i++) if (out[i]! < 0) out[i] = a * out[i]!;
  } else if (kind === 'row') {
    for (let row = 0; row < size; row += n) {
      for (let j = 0; j < n; j++) if (out[row + j]! < 0) out[row + j] = alpha[j]! * out[row + j]!;
    }
  } else if (kind === 'full') {
    for (let i = 0; i < size; i++) if (out[i]! < 0) out[i] = alpha[i]! * out[i]!;
  } else {
    for (let i = 0; i < size; i++) if (out[i]! < 0) out[i] = alpha[kind[i]!]! * out[i]!;
  }
}
