/**
 * GELU (tanh approximation) as one op with its own gradient:
 *   y = 0.5·x·(1 + tanh(u)),  u = √(2/π)·(x + 0.044715·x³)
 * Op by op this is 9 kernels forward and about 20 backward over the whole activation (the
 * transformer's [2048, 512]). Fused, the forward pass is one JS pass around the backend's own
 * Sigmoid and Multiply kernels (y = x·σ(2u), since 0.5·(1 + tanh(u)) = σ(2u): no cancellation, so
 * the precision is the Sigmoid kernel's) and the backward pass one pass reusing σ; on wasm the two
 * arithmetic passes are WebAssembly SIMD loops (geluSimd.ts), on cpu JS loops. The kernels
 * are registered for wasm and cpu when this module loads; on any other backend (webgpu,
 * tensorflow) `gelu` runs the same maths op by op (`geluComposite`) with tfjs's own gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { FLOAT_KERNEL_BACKENDS, backendKernel, disposeIntermediate, floatKernel } from '../kernels/floatKernel';
import { type GeluLoops, doubledInnerSimd, geluBackwardSimd, geluLoops } from './geluSimd';

export const GELU_KERNEL = 'TrainingRunsGelu';
export const GELU_GRAD_KERNEL = 'TrainingRunsGeluGrad';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const CUBIC = 0.044715;

/** The op-by-op definition: the reference the fused kernels are tested against, and the fallback. */
export function geluComposite(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(CUBIC, tf.pow(x, 3))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/** 2u = 2·√(2/π)·(x + 0.044715·x³) from element `from` on: with it y = x·σ(2u), since 0.5·(1 + tanh(u)) = σ(2u). */
function doubledInner(x: Float32Array, z: Float32Array, from: number): void {
  for (let i = from; i < x.length; i++) {
    const v = x[i]!;
    z[i] = 2 * SQRT_2_OVER_PI * (v + CUBIC * v * v * v);
  }
}

/** dx = dy·(σ + 2·x·σ·(1 − σ)·√(2/π)·(1 + 3·0.044715·x²)) from element `from` on, with σ = σ(2u) saved by the forward pass. */
function backward(dy: Float32Array, x: Float32Array, s: Float32Array, dx: Float32Array, from: number): void {
  const a = 2 * SQRT_2_OVER_PI;
  const b = 6 * SQRT_2_OVER_PI * CUBIC;
  for (let i = from; i < x.length; i++) {
    const v = x[i]!;
    const sig = s[i]!;
    dx[i] = dy[i]! * (sig + v * sig * (1 - sig) * (a + b * v * v));
  }
}

/** SIMD loops on wasm (where the engine has SIMD), null on cpu: taken inside the kernel body, after its allocations. */
function simdLoops(backendName: string, backend: unknown): GeluLoops | null {
  return backendName === 'wasm' ? geluLoops((backend as { wasm?: unknown }).wasm) : null;
}

function registerGeluKernels(): void {
  for (const backendName of FLOAT_KERNEL_BACKENDS) {
    if (!tf.getKernel(GELU_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: GELU_KERNEL,
        backendName,
        // Outputs [y, σ(2u)]: the gradient reuses σ instead of recomputing it (two of its three passes).
        kernelFunc: ({ inputs, backend }) => {
          const { x } = inputs as { x: tf.TensorInfo };
          const [z] = floatKernel(backend, [x], [x.shape], ([xs], [zs]) => {
            const loops = simdLoops(backendName, backend);
            doubledInner(xs!, zs!, loops ? doubledInnerSimd(loops, xs!, zs!) : 0);
          });
          // σ and x·σ with the backend's own kernels: on wasm XNNPACK's are several times faster than JS loops.
          const s = backendKernel(backendName, backend, tf.Sigmoid, { x: z! });
          disposeIntermediate(backend, z!);
          return [backendKernel(backendName, backend, tf.Multiply, { a: x, b: s }), s];
        },
      });
    }
    if (!tf.getKernel(GELU_GRAD_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: GELU_GRAD_KERNEL,
        backendName,
        kernelFunc: ({ inputs, backend }) => {
          const { dy, x, s } = inputs as Record<'dy' | 'x' | 's', tf.TensorInfo>;
          return floatKernel(backend, [dy, x, s], [x.shape], ([dys, xs, ss], [dxs]) => {
            const loops = simdLoops(backendName, backend);
            backward(dys!, xs!, ss!, dxs!, loops ? geluBackwardSimd(loops, dys!, xs!, ss!, dxs!) : 0);
          })[0]!;
        },
      });
    }
  }
}

/** One op on the tape: σ from the forward kernel is saved for the gradient, and freed at once when no gradient is recorded. */
const fusedGelu = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const [y, s] = tf.engine().runKernel(GELU_KERNEL, { x }) as [tf.Tensor, tf.Tensor];
  save([x, s]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.engine().runKernel(GELU_GRAD_KERNEL, { dy, x: saved[0]!, s: saved[1]! }) as tf.Tensor,
  };
}) as (x: tf.Tensor) => tf.Tensor;

registerGeluKernels();

/** GELU (tanh approximation): fused on wasm and cpu for float32, op by op elsewhere. */
export function gelu(x: tf.Tensor): tf.Tensor {
  const backend = tf.getBackend();
  if (x.dtype !== 'float32' || !tf.getKernel(GELU_KERNEL, backend) || !tf.getKernel(GELU_GRAD_KERNEL, backend))
    return geluComposite(x);
  return fusedGelu(x);
}
