/**
 * BatchMatMul and _FusedMatMul for the wasm backend on a system BLAS. Anything they do not cover
 * (non-float32 operands, which the wasm backend does not multiply anyway, or an activation tfjs
 * may add later) goes to the kernel
 * that was registered before them, so registering these never loses a case.
 */
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasmBackend, sizeOf, tensorData } from '../kernels/wasmBackend';
import { planGemm, runGemm } from './batchedGemm';
import { type Broadcast, activate, broadcastKind, fillBias, isFusedActivation } from './epilogue';
import type { Blas } from './types';

/** What a kernel reads at call time: the BLAS in use and the kernel it replaced. */
export interface BlasKernelContext {
  blas(): Blas;
  previous(kernelName: string): KernelFunc;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

export function blasBatchMatMul(context: BlasKernelContext, kernelName: string): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
    const plan = planGemm(a, b, transposeA, transposeB);
    if (!plan) return context.previous(kernelName)(args);
    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(plan.outShape, 'float32');
    runGemm(context.blas(), backend, plan, a, b, out);
    return out;
  };
}

interface FusedInputs {
  a: TensorInfo;
  b: TensorInfo;
  bias?: TensorInfo;
  preluActivationWeights?: TensorInfo;
}

interface FusedAttrs extends MatMulAttrs {
  activation?: string;
  leakyreluAlpha?: number;
}

export function blasFusedMatMul(context: BlasKernelContext, kernelName: string): KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as FusedInputs;
    const attrs = args.attrs as unknown as FusedAttrs & NamedAttrMap;
    const activation = attrs.activation ?? 'linear';
    const plan = planGemm(inputs.a, inputs.b, attrs.transposeA, attrs.transposeB);
    if (!plan || !isFusedActivation(activation)) return context.previous(kernelName)(args);
    const biasKind = inputs.bias ? broadcastKind(inputs.bias, plan.outShape) : null;
    const preluKind =
      activation === 'prelu' && inputs.preluActivationWeights
        ? broadcastKind(inputs.preluActivationWeights, plan.outShape)
        : null;
    if ((inputs.bias && !biasKind) || (activation === 'prelu' && !preluKind)) return context.previous(kernelName)(args);

    const backend = asWasmBackend(args.backend);
    const out = backend.makeOutput(plan.outShape, 'float32');
    // Views of bias and weights only now: makeOutput may have grown (and detached) the heap.
    const view = (t: TensorInfo) =>
      new Float32Array(backend.wasm.HEAPU8.buffer, tensorData(backend, t).memoryOffset, sizeOf(t.shape));
    if (inputs.bias) fillBias(view(out), plan.n, view(inputs.bias), biasKind as Broadcast);
    const product = runGemm(context.blas(), backend, plan, inputs.a, inputs.b, out, inputs.bias !== undefined);
    activate(product, plan.n, activation, {
      leakyreluAlpha: attrs.leakyreluAlpha ?? 0.2,
      prelu: preluKind ? view(inputs.preluActivationWeights!) : null,
      preluKind,
    });
    return out;
  };
}
