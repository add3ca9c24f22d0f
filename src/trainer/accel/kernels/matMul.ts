/**
 * BatchMatMul and _FusedMatMul for the wasm backend that always reach XNNPACK.
 * The stock 4.22 kernels use XNNPACK only for an untransposed, single-batch product and otherwise
 * run a scalar loop; every dense layer's backward pass transposes. Here a transposed operand is
 * materialised with the stock (fast) Transpose kernel, a batch against a shared right-hand side is
 * folded into rows, and a batch against a batched right-hand side runs one XNNPACK product per
 * batch on heap aliases (no copies).
 */
import { type KernelFunc, type NamedAttrMap, type TensorInfo, broadcast_util } from '@tensorflow/tfjs';
import { type WasmBackend, aliasId, asWasmBackend, releaseAlias, shapeBytes, sizeOf, tensorData } from './wasmBackend';

export interface StockKernels {
  transpose: KernelFunc;
  batchMatMul: KernelFunc;
  fusedMatMul: KernelFunc;
}

type WasmMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: number,
  transposeB: number,
  outId: number,
) => void;

const matMulByModule = new WeakMap<object, WasmMatMul>();

function wasmMatMul(backend: WasmBackend): WasmMatMul {
  let fn = matMulByModule.get(backend.wasm);
  if (!fn) {
    fn = backend.wasm.cwrap('BatchMatMul', null, [
      'number',
      'array',
      'number',
      'number',
      'array',
      'number',
      'number',
      'number',
      'number',
    ]) as WasmMatMul;
    matMulByModule.set(backend.wasm, fn);
  }
  return fn;
}

/** Operands laid out as [batch, rows, cols] row-major, plus what must be disposed afterwards. */
interface Plan {
  m: number;
  k: number;
  n: number;
  batchA: number;
  batchB: number;
  outShape: number[];
}

/** Null when the shapes need the stock kernel (non-float, empty, or a broadcast that is not "all or one"). */
function plan(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Plan | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb || m * n * k === 0) return null; // the stock kernel reports the mismatch
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchShape = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  const batch = sizeOf(batchShape);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  if ((batchA !== 1 && batchA !== batch) || (batchB !== 1 && batchB !== batch)) return null;
  return { m, k, n, batchA, batchB, outShape: [...batchShape, m, n] };
}

/** Swaps the last two axes of a [batch, rows, cols] operand into a new buffer. */
function transposeLast2(
  stock: StockKernels,
  backend: WasmBackend,
  x: TensorInfo,
  batch: number,
  rows: number,
  cols: number,
): TensorInfo {
  const view: TensorInfo = { dataId: x.dataId, shape: [batch, rows, cols], dtype: x.dtype };
  return stock.transpose({ inputs: { x: view }, backend: backend as never, attrs: { perm: [0, 2, 1] } }) as TensorInfo;
}

/** Brings both operands to untransposed layout; the returned temporaries must be disposed by the caller. */
function untransposed(
  stock: StockKernels,
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  p: Plan,
  transposeA: boolean,
  transposeB: boolean,
) {
  const temps: TensorInfo[] = [];
  let a2 = a;
  let b2 = b;
  if (transposeA) temps.push((a2 = transposeLast2(stock, backend, a, p.batchA, p.k, p.m)));
  if (transposeB) temps.push((b2 = transposeLast2(stock, backend, b, p.batchB, p.n, p.k)));
  return { a2, b2, temps };
}

/**
 * XNNPACK packs the right-hand operand on every call (weights change every step), and each
 * materialised transpose is another pass over memory. C = A·B can also be computed as (Bᵀ·Aᵀ)ᵀ,
 * which packs op(A) instead and transposes the (often small) result: pick the fewer elements moved.
 * E.g. a dense layer's input gradient dY[128,512]·W[784,512]ᵀ moves 231k elements this way, 802k directly.
 */
function preferTransposedProduct(p: Plan, transposeA: boolean, transposeB: boolean): boolean {
  const { m, k, n } = p;
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + k * n;
  const swapped = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + k * m + m * n;
  return swapped < direct;
}

function transposedProduct(
  stock: StockKernels,
  backend: WasmBackend,
  a: TensorInfo,
  b: TensorInfo,
  p: Plan,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo {
  const { m, k, n } = p;
  const temps: TensorInfo[] = [];
  // Left operand op(B)ᵀ as [n, k]: B itself when transposeB, else B [k, n] transposed.
  const left = transposeB ? b : transposeLast2(stock, backend, b, 1, k, n);
  // Right operand op(A)ᵀ as [k, m]: A itself when transposeA, else A [m, k] transposed.
  const right = transposeA ? a : transposeLast2(stock, backend, a, 1, m, k);
  if (left !== b) temps.push(left);
  if (right !== a) temps.push(right);
  const product = backend.makeOutput([n, m], 'float32');
  temps.push(product);
  wasmMatMul(backend)(
    tensorData(backend, left).id,
    shapeBytes([1, n, k]),
    3,
    tensorData(backend, right).id,
    shapeBytes([1, k, m]),
    3,
    0,
    0,
    tensorData(backend, product).id,
  );
  const out = transposeLast2(stock, backend, product, 1, n, m);
  for (const t of temps) backend.disposeData(t.dataId);
  return { ...out, shape: p.outShape };
}

export function fastBatchMatMul(stock: StockKernels): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const p = plan(a, b, transposeA, transposeB);
    if (!p) return stock.batchMatMul(args);
    const backend = asWasmBackend(args.backend);
    if (p.batchA === 1 && p.batchB === 1 && preferTransposedProduct(p, transposeA, transposeB)) {
      return transposedProduct(stock, backend, a, b, p, transposeA, transposeB);
    }
    const { a2, b2, temps } = untransposed(stock, backend, a, b, p, transposeA, transposeB);
    const out = backend.makeOutput(p.outShape, 'float32');
    const matMul = wasmMatMul(backend);
    const { m, k, n } = p;
    if (p.batchB === 1) {
      // One right-hand side: every batch of a is just more rows.
      const rows = p.batchA * m;
      matMul(
        tensorData(backend, a2).id,
        shapeBytes([1, rows, k]),
        3,
        tensorData(backend, b2).id,
        shapeBytes([1, k, n]),
        3,
        0,
        0,
        tensorData(backend, out).id,
      );
    } else {
      const aBase = tensorData(backend, a2).memoryOffset;
      const bBase = tensorData(backend, b2).memoryOffset;
      const outBase = tensorData(backend, out).memoryOffset;
      const aShape = shapeBytes([1, m, k]);
      const bShape = shapeBytes([1, k, n]);
      for (let i = 0; i < p.batchB; i++) {
        const aId = aliasId(backend, aBase + (p.batchA === 1 ? 0 : i * m * k * 4), m * k);
        const bId = aliasId(backend, bBase + i * k * n * 4, k * n);
        const outId = aliasId(backend, outBase + i * m * n * 4, m * n);
        matMul(aId, aShape, 3, bId, bShape, 3, 0, 0, outId);
        releaseAlias(backend, aId);
        releaseAlias(backend, bId);
        releaseAlias(backend, outId);
      }
    }
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}

/**
 * _FusedMatMul (matmul + bias + activation, used by tfjs-layers dense): transposes are
 * materialised and a batch against a shared kernel is folded into rows, then the stock fused
 * kernel runs its XNNPACK path. Batched right-hand sides keep the stock kernel.
 */
export function fastFusedMatMul(stock: StockKernels): KernelFunc {
  return (args) => {
    const inputs = args.inputs as {
      a: TensorInfo;
      b: TensorInfo;
      bias?: TensorInfo;
      preluActivationWeights?: TensorInfo;
    };
    const attrs = args.attrs as unknown as { transposeA: boolean; transposeB: boolean } & NamedAttrMap;
    const p = plan(inputs.a, inputs.b, attrs.transposeA, attrs.transposeB);
    if (!p || p.batchB !== 1 || (!attrs.transposeA && !attrs.transposeB && p.batchA === 1))
      return stock.fusedMatMul(args);
    const backend = asWasmBackend(args.backend);
    const { a2, b2, temps } = untransposed(stock, backend, inputs.a, inputs.b, p, attrs.transposeA, attrs.transposeB);
    const out = stock.fusedMatMul({
      inputs: { ...inputs, a: { ...a2, shape: [1, p.batchA * p.m, p.k] }, b: { ...b2, shape: [1, p.k, p.n] } },
      backend: args.backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    }) as TensorInfo;
    for (const t of temps) backend.disposeData(t.dataId);
    return { ...out, shape: p.outShape };
  };
}
