/** Index arithmetic of numpy-style broadcasting, shared by the batch loop and the fused epilogue. */
import { sizeOf } from '../kernels/wasmBackend';

/**
 * For each flat index of `shape`, the flat index into an operand whose shape `outer` broadcasts
 * to it (numpy rules, aligned on the right). Null when it is the identity.
 */
export function broadcastIndex(outer: readonly number[], shape: readonly number[]): Int32Array | null {
  const total = sizeOf(shape);
  if (sizeOf(outer) === total) return null; // same size after broadcasting means the same shape up to leading 1s
  const map = new Int32Array(total);
  if (sizeOf(outer) === 1) return map;
  const offset = shape.length - outer.length;
  const strides = new Array<number>(outer.length);
  for (let d = outer.length - 1, s = 1; d >= 0; d--) {
    strides[d] = outer[d] === 1 ? 0 : s; // a broadcast axis does not advance
    s *= outer[d]!;
  }
  for (let i = 0; i < total; i++) {
    let rest = i;
    let index = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const coord = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      if (d >= offset) index += coord * strides[d - offset]!;
    }
    map[i] = index;
  }
  return map;
}
