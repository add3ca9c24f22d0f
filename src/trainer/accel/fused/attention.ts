/**
 * Causal multi-head self-attention as one op with its own gradient, from the projected q, k and v
 * side by side in one [batch, time, 3·d] tensor (d = heads·headDim: one matmul makes all three) to
 * the heads' mixed values [batch, time, d]:
 *   out = merge_heads(softmax(split(q)·split(k)ᵀ / √headDim + causal mask) · split(v))
 * Op by op that is 3 Transposes, 2 batched matmuls, a RealDiv, an Add of the mask and a Softmax
 * forward, and about twice as many kernels backward, each over the [b, heads, t, t] scores. Fused
 * (attentionKernels.ts) it is strided BLAS products on the [b, t, ·] arrays themselves (no head
 * split or merge), the backend's Softmax kernel forward and one SIMD pass per score block backward.
 * It needs the BLAS matmul kernels on the wasm backend (`registerBlasKernels`); anywhere else, or
 * with dropout on the attention weights, `causalSelfAttention` runs `causalAttentionComposite`.
 */
import { fusedKernelBackends } from '../compatibility';
import * as tf from '@tensorflow/tfjs';
import { activeBlasKernels } from '../blas';
import { asWasmBackend, heapF32 } from '../kernels/wasmBackend';
import { softmaxGradRowsOn } from '../simd/softmaxGradRows';
import { wasmBackendMemory } from '../simd/heapModules';
import {
  type AttentionDims,
  type Columns,
  MASKED,
  type SoftmaxGradRows,
  attentionBackward,
  attentionMix,
  attentionScores,
  softmaxGradRows,
} from './attentionKernels';

export const ATTENTION_KERNEL = 'TrainingRunsCausalAttention';
export const ATTENTION_GRAD_KERNEL = 'TrainingRunsCausalAttentionGrad';
const BACKEND = 'wasm';

function causalMask(t: number): tf.Tensor2D {
  const data = new Float32Array(t * t);
  for (let r = 0; r < t; r++) for (let c = r + 1; c < t; c++) data[r * t + c] = MASKED;
  return tf.tensor2d(data, [t, t]);
}

/**
 * The op-by-op definition: the reference the fused kernels are tested against, and the fallback.
 * `weightsDropout`, when given, is applied to the attention weights after the softmax.
 */
export function causalAttentionComposite(
  qkv: tf.Tensor3D,
  heads: number,
  weightsDropout?: (w: tf.Tensor) => tf.Tensor,
): tf.Tensor3D {
  const [b, t, width] = qkv.shape;
  const d = width / 3;
  const headDim = d / heads;
  const split = (x: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(x, [b, t, heads, headDim]), [0, 2, 1, 3]);
  const [q, k, v] = tf.split(qkv, 3, 2).map(split) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(headDim)), causalMask(t));
  const softmax = tf.softmax(scores);
  const weights = (weightsDropout ? weightsDropout(softmax) : softmax) as tf.Tensor4D;
  return tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [b, t, d]);
}

interface AttentionAttrs {
  heads: number;
}

/** From the shape of qkv [batch, time, 3·heads·headDim]. */
function dimsOf(shape: number[], heads: number): AttentionDims {
  const [batch, time, width] = shape as [number, number, number];
  const headDim = width / 3 / heads;
  return { batch, time, heads, headDim, scale: 1 / Math.sqrt(headDim) };
}

/** q, k and v inside one [b, t, 3d] array. */
function thirds(data: Float32Array, d: number): [Columns, Columns, Columns] {
  return [0, 1, 2].map((i) => ({ data, offset: i * d, stride: 3 * d })) as [Columns, Columns, Columns];
}

/**
 * The softmax gradient of a block as the SIMD function on the heap (over whole rows: the masked
 * probabilities are exactly 0, so the entries after the diagonal come out 0 as in the JS pass),
 * or the JS pass where the engine has no SIMD or a row is not a whole number of f32x4.
 */
function softmaxGradOnHeap(backend: ReturnType<typeof asWasmBackend>, t: number): SoftmaxGradRows {
  const memory = wasmBackendMemory(backend.wasm);
  const simd = memory && t % 4 === 0 ? softmaxGradRowsOn(memory) : null;
  if (!simd) return softmaxGradRows;
  return (dp, p, rows, scale) => simd(dp.byteOffset, p.byteOffset, rows * 4, rows * rows * 4, scale);
}

function blasInUse() {
  const blas = activeBlasKernels();
  if (!blas) throw new Error('fused attention: no BLAS kernels registered on the wasm backend');
  return blas;
}

function registerAttentionKernels(): void {
  if (!fusedKernelBackends().includes(BACKEND)) return;
  if (!tf.getKernel(ATTENTION_KERNEL, BACKEND)) {
    tf.registerKernel({
      kernelName: ATTENTION_KERNEL,
      backendName: BACKEND,
      // Outputs [out, probabilities]: the gradient reuses the probabilities instead of recomputing them.
      kernelFunc: ({ inputs, backend: backendArg, attrs }) => {
        const { qkv } = inputs as { qkv: tf.TensorInfo };
        const dims = dimsOf(qkv.shape, (attrs as unknown as AttentionAttrs).heads);
        const d = dims.heads * dims.headDim;
        const backend = asWasmBackend(backendArg);
        const blas = blasInUse();
        // Views are taken right after each allocation: growing the heap detaches views taken earlier.
        const scores = backend.makeOutput([dims.batch, dims.heads, dims.time, dims.time], 'float32');
        const [q, k] = thirds(heapF32(backend, qkv), d);
        attentionScores(blas, dims, q, k, heapF32(backend, scores));
        const softmax = tf.getKernel(tf.Softmax, BACKEND)!.kernelFunc;
        const probs = softmax({ inputs: { logits: scores }, backend: backendArg, attrs: { dim: 3 } }) as tf.TensorInfo;
        backend.disposeData(scores.dataId);
        const out = backend.makeOutput([dims.batch, dims.time, d], 'float32');
        const [, , v] = thirds(heapF32(backend, qkv), d);
        attentionMix(blas, dims, heapF32(backend, probs), v, { data: heapF32(backend, out), offset: 0, stride: d });
        return [out, probs];
      },
    });
  }
  if (!tf.getKernel(ATTENTION_GRAD_KERNEL, BACKEND)) {
    tf.registerKernel({
      kernelName: ATTENTION_GRAD_KERNEL,
      backendName: BACKEND,
      kernelFunc: ({ inputs, backend: backendArg, attrs }) => {
        const { dy, qkv, probs } = inputs as Record<'dy' | 'qkv' | 'probs', tf.TensorInfo>;
        const dims = dimsOf(qkv.shape, (attrs as unknown as AttentionAttrs).heads);
        const d = dims.heads * dims.headDim;
        const backend = asWasmBackend(backendArg);
        const dqkv = backend.makeOutput(qkv.shape, 'float32');
        // One t×t block of dP/dS on the heap, where the SIMD softmax gradient can reach it.
        const block = backend.makeOutput([dims.time, dims.time], 'float32');
        const [q, k, v] = thirds(heapF32(backend, qkv), d);
        const [dq, dk, dv] = thirds(heapF32(backend, dqkv), d);
        const ds = heapF32(backend, block);
        attentionBackward(
          blasInUse(),
          dims,
          { data: heapF32(backend, dy), offset: 0, stride: d },
          q,
          k,
          v,
          heapF32(backend, probs),
          dq,
          dk,
          dv,
          ds,
          softmaxGradOnHeap(backend, dims.time),
        );
        backend.disposeData(block.dataId);
        return dqkv;
      },
    });
  }
}

registerAttentionKernels();

/** One op on the tape: the probabilities are saved for the gradient, and freed at once when no gradient is recorded. */
const fusedAttention = (heads: number) =>
  tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [qkv, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [out, probs] = tf.engine().runKernel(ATTENTION_KERNEL, { qkv }, { heads }) as [tf.Tensor, tf.Tensor];
    save([qkv, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel(ATTENTION_GRAD_KERNEL, { dy, qkv: saved[0]!, probs: saved[1]! }, { heads }) as tf.Tensor,
    };
  }) as (qkv: tf.Tensor) => tf.Tensor;

/** customGrad wrappers by head count: the attrs are fixed when the wrapper is made. */
const byHeads = new Map<number, (qkv: tf.Tensor) => tf.Tensor>();

/** Whether `causalSelfAttention` runs the fused kernels for this input now. */
export function fusedAttentionAvailable(qkv: tf.Tensor): boolean {
  const registered =
    tf.getKernel(ATTENTION_KERNEL, BACKEND) !== undefined && tf.getKernel(ATTENTION_GRAD_KERNEL, BACKEND) !== undefined;
  return registered && tf.getBackend() === BACKEND && activeBlasKernels() !== null && qkv.dtype === 'float32';
}

/**
 * Causal self-attention with `heads` heads of qkv [batch, time, 3·d] (q, k, v side by side) to
 * [batch, time, d]: fused on the wasm backend with BLAS kernels and no weights dropout, op by op
 * (with the dropout) otherwise.
 */
export function causalSelfAttention(
  qkv: tf.Tensor3D,
  heads: number,
  weightsDropout?: (w: tf.Tensor) => tf.Tensor,
): tf.Tensor3D {
  const width = qkv.shape[2];
  if (qkv.rank !== 3 || width % (3 * heads) !== 0)
    throw new Error(`attention: qkv [${qkv.shape}] must be [batch, time, 3 * d] with d divisible by ${heads} heads`);
  if (weightsDropout || !fusedAttentionAvailable(qkv)) return causalAttentionComposite(qkv, heads, weightsDropout);
  let op = byHeads.get(heads);
  if (!op) byHeads.set(heads, (op = fusedAttention(heads)));
  return op(qkv) as tf.Tensor3D;
}
