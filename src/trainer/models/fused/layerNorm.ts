/**
 * Layer normalisation over the last axis as one op with its own gradient:
 *   y = (x − mean) / √(var + ε) · gamma + beta   (mean and biased variance per row, as tf.moments)
 * Op by op (moments, sub, rsqrt, mul, add) it costs about 12 kernels forward and 40 backward, most
 * over the whole activation, plus the reductions of the broadcast gradients. The fused kernels
 * make two passes over each row forward and three backward, with row statistics and the
 * gamma/beta gradients accumulated in double. They are registered for wasm and cpu when this
 * module loads; on any other backend `layerNormalize` runs `layerNormComposite` with tfjs's gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { FLOAT_KERNEL_BACKENDS, floatKernel } from '../../kernels/floatKernel';

export const LAYER_NORM_KERNEL = 'TrainingRunsLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'TrainingRunsLayerNormGrad';

/** The op-by-op definition: the reference the fused kernels are tested against, and the fallback. */
export function layerNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
}

/** Mean and 1/√(var + ε) of row `r` (width `d`), two passes in double as tf.moments does. */
function rowStats(x: Float32Array, r: number, d: number, epsilon: number): [mean: number, rstd: number] {
  const base = r * d;
  let sum = 0;
  for (let j = 0; j < d; j++) sum += x[base + j]!;
  const mean = sum / d;
  let squares = 0;
  for (let j = 0; j < d; j++) {
    const c = x[base + j]! - mean;
    squares += c * c;
  }
  return [mean, 1 / Math.sqrt(squares / d + epsilon)];
}

function forward(x: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, epsilon: number): void {
  const d = gamma.length;
  const rows = x.length / d;
  for (let r = 0; r < rows; r++) {
    const [mean, rstd] = rowStats(x, r, d, epsilon);
    const base = r * d;
    for (let j = 0; j < d; j++) y[base + j] = (x[base + j]! - mean) * rstd * gamma[j]! + beta[j]!;
  }
}

/**
 * With x̂ = (x − mean)·rstd and g = dy·gamma, per row:
 *   dx = rstd · (g − mean(g) − x̂ · mean(g·x̂));  dgamma = Σ_rows dy·x̂;  dbeta = Σ_rows dy.
 */
function backward(dy: Float32Array, x: Float32Array, gamma: Float32Array, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array, epsilon: number): void {
  const d = gamma.length;
  const rows = x.length / d;
  const gammaSums = new Float64Array(d);
  const betaSums = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const [mean, rstd] = rowStats(x, r, d, epsilon);
    const base = r * d;
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < d; j++) {
      const g = dy[base + j]!;
      const xHat = (x[base + j]! - mean) * rstd;
      const scaled = g * gamma[j]!;
      sumG += scaled;
      sumGX += scaled * xHat;
      gammaSums[j]! += g * xHat;
      betaSums[j]! += g;
    }
    const meanG = sumG / d;
    const meanGX = sumGX / d;
    for (let j = 0; j < d; j++) {
      const xHat = (x[base + j]! - mean) * rstd;
      dx[base + j] = rstd * (dy[base + j]! * gamma[j]! - meanG - xHat * meanGX);
    }
  }
  dGamma.set(gammaSums);
  dBeta.set(betaSums);
}

interface LayerNormAttrs {
  epsilon: number;
}

function registerLayerNormKernels(): void {
  for (const backendName of FLOAT_KERNEL_BACKENDS) {
    if (!tf.getKernel(LAYER_NORM_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: LAYER_NORM_KERNEL,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
          const { epsilon } = attrs as unknown as LayerNormAttrs;
          return floatKernel(backend, [x, gamma, beta], [x.shape], ([xs, gs, bs], [ys]) => forward(xs!, gs!, bs!, ys!, epsilon))[0]!;
        },
      });
    }
    if (!tf.getKernel(LAYER_NORM_GRAD_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: LAYER_NORM_GRAD_KERNEL,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const { dy, x, gamma } = inputs as Record<'dy' | 'x' | 'gamma', tf.TensorInfo>;
          const { epsilon } = attrs as unknown as LayerNormAttrs;
          return floatKernel(backend, [dy, x, gamma], [x.shape, gamma.shape, gamma.shape], ([dys, xs, gs], [dxs, dgs, dbs]) =>
            backward(dys!, xs!, gs!, dxs!, dgs!, dbs!, epsilon),
          );
        },
      });
    }
  }
  tf.registerGradient({
    kernelName: LAYER_NORM_KERNEL,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dy, saved, attrs) => {
      const [x, gamma] = saved as [tf.Tensor, tf.Tensor];
      const { epsilon } = attrs as unknown as LayerNormAttrs;
      // One kernel call gives all three gradients, run here and not in the thunks: the tape runs
      // each thunk in its own tidy, which would dispose the two outputs that thunk does not return.
      const [dx, dGamma, dBeta] = tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { dy: dy as tf.Tensor, x, gamma }, { epsilon }) as tf.Tensor[];
      return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta! };
    },
  });
}

registerLayerNormKernels();

function fused(backendName: string): boolean {
  return tf.getKernel(LAYER_NORM_KERNEL, backendName) !== undefined && tf.getKernel(LAYER_NORM_GRAD_KERNEL, backendName) !== undefined;
}

/** Layer norm over the last axis of x with gamma and beta of its width: fused on wasm and cpu for float32, op by op elsewhere. */
export function layerNormalize(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const width = x.shape[x.shape.length - 1];
  if (gamma.shape.length !== 1 || beta.shape.length !== 1 || gamma.shape[0] !== width || beta.shape[0] !== width) {
    throw new Error(`layer norm: gamma [${gamma.shape}] and beta [${beta.shape}] must both be [${width}], the last axis of x [${x.shape}]`);
  }
  if (x.dtype !== 'float32' || gamma.dtype !== 'float32' || beta.dtype !== 'float32' || !fused(tf.getBackend())) return layerNormComposite(x, gamma, beta, epsilon);
  return tf.engine().runKernel(LAYER_NORM_KERNEL, { x, gamma, beta }, { epsilon }) as tf.Tensor;
}
