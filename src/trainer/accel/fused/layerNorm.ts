/**
 * Layer normalisation over the last axis as one op with its own gradient:
 *   y = (x − mean) / √(var + ε) · gamma + beta   (mean and biased variance per row, as tf.moments)
 * Op by op (moments, sub, rsqrt, mul, add) it costs about 12 kernels forward and 40 backward, most
 * over the whole activation, plus the reductions of the broadcast gradients. The fused kernels
 * make two passes over each row forward (one for the statistics, in double) and two backward
 * (reusing the forward's statistics), with the gamma/beta gradients accumulated in double; on
 * wasm the elementwise pass each way is a WebAssembly SIMD loop (layerNormSimd.ts). They
 * are registered for wasm and cpu when this module loads; on any other backend `layerNormalize` runs `layerNormComposite` with tfjs's gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { FLOAT_KERNEL_BACKENDS, floatKernel } from '../kernels/floatKernel';
import { sizeOf } from '../kernels/wasmBackend';
import { type LayerNormLoops, PARAM_GRAD_BLOCK, layerNormLoops } from './layerNormSimd';

export const LAYER_NORM_KERNEL = 'TrainingRunsLayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'TrainingRunsLayerNormGrad';

/** The op-by-op definition: the reference the fused kernels are tested against, and the fallback. */
export function layerNormComposite(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
}

/**
 * Mean and 1/√(var + ε) of row `r` (width `d`) in one pass, in double: sums of x − x₀ and its
 * square, shifted by the row's first element so that a large mean does not cancel the variance.
 */
function rowStats(x: Float32Array, r: number, d: number, epsilon: number): [mean: number, rstd: number] {
  const base = r * d;
  const shift = x[base]!;
  let sum = 0;
  let squares = 0;
  for (let j = 0; j < d; j++) {
    const c = x[base + j]! - shift;
    sum += c;
    squares += c * c;
  }
  const offset = sum / d;
  const variance = Math.max(0, squares / d - offset * offset);
  return [shift + offset, 1 / Math.sqrt(variance + epsilon)];
}

/** Per row of the forward pass: the mean split into float32 high and low parts (exact for rows with a large mean), and 1/√(var + ε). */
const STATS = 3;

/** Columns of a row the SIMD loops take (multiples of 4); the scalar loops do the rest. */
const simdColumns = (loops: LayerNormLoops | null, d: number): number => (loops ? d - (d % 4) : 0);

function forward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  y: Float32Array,
  stats: Float32Array,
  epsilon: number,
  loops: LayerNormLoops | null,
): void {
  const d = gamma.length;
  const rows = x.length / d;
  const columns = simdColumns(loops, d);
  for (let r = 0; r < rows; r++) {
    const [mean, rstd] = rowStats(x, r, d, epsilon);
    const high = Math.fround(mean);
    stats[r * STATS] = high;
    stats[r * STATS + 1] = mean - high;
    stats[r * STATS + 2] = rstd;
    const base = r * d;
    if (columns > 0)
      loops!.layerNormRow(
        x.byteOffset + base * 4,
        gamma.byteOffset,
        beta.byteOffset,
        y.byteOffset + base * 4,
        columns * 4,
        high,
        mean - high,
        rstd,
      );
    for (let j = columns; j < d; j++) y[base + j] = (x[base + j]! - mean) * rstd * gamma[j]! + beta[j]!;
  }
}

/**
 * With x̂ = (x − mean)·rstd (mean and rstd saved by the forward pass) and g = dy·gamma, per row:
 *   dx = rstd · (g − mean(g) − x̂ · mean(g·x̂));  dgamma = Σ_rows dy·x̂;  dbeta = Σ_rows dy.
 */
function backward(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  stats: Float32Array,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
  loops: LayerNormLoops | null,
): void {
  const d = gamma.length;
  const rows = x.length / d;
  const columns = simdColumns(loops, d);
  const gammaSums = new Float64Array(d);
  const betaSums = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const mean = stats[r * STATS]! + stats[r * STATS + 1]!;
    const rstd = stats[r * STATS + 2]!;
    const base = r * d;
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < columns; j++) {
      const scaled = dy[base + j]! * gamma[j]!;
      sumG += scaled;
      sumGX += scaled * (x[base + j]! - mean);
    }
    sumGX *= rstd;
    for (let j = columns; j < d; j++) {
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
    if (columns > 0) {
      // dGamma and dBeta (heap outputs of width d) hold the block's float32 partial sums until the end.
      const first = r % PARAM_GRAD_BLOCK === 0;
      const accumulate = first ? loops!.layerNormParamGradFirstRow : loops!.layerNormParamGradRow;
      accumulate(
        dGamma.byteOffset,
        dBeta.byteOffset,
        dy.byteOffset + base * 4,
        x.byteOffset + base * 4,
        columns * 4,
        stats[r * STATS]!,
        stats[r * STATS + 1]!,
        rstd,
      );
      if (r % PARAM_GRAD_BLOCK === PARAM_GRAD_BLOCK - 1 || r === rows - 1) {
        for (let j = 0; j < columns; j++) {
          gammaSums[j]! += dGamma[j]!;
          betaSums[j]! += dBeta[j]!;
        }
      }
      loops!.layerNormGradRow(
        dy.byteOffset + base * 4,
        x.byteOffset + base * 4,
        gamma.byteOffset,
        dx.byteOffset + base * 4,
        columns * 4,
        stats[r * STATS]!,
        stats[r * STATS + 1]!,
        rstd,
        meanG,
        meanGX,
      );
    }
    for (let j = columns; j < d; j++) {
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

/** SIMD loops on wasm (where the engine has SIMD), null on cpu: taken inside the kernel body, after its allocations. */
function simdLoops(backendName: string, backend: unknown): LayerNormLoops | null {
  return backendName === 'wasm' ? layerNormLoops((backend as { wasm?: unknown }).wasm) : null;
}

function registerLayerNormKernels(): void {
  for (const backendName of FLOAT_KERNEL_BACKENDS) {
    if (!tf.getKernel(LAYER_NORM_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: LAYER_NORM_KERNEL,
        backendName,
        // Outputs [y, row statistics]: the gradient reuses the statistics (two of its four passes).
        kernelFunc: ({ inputs, backend, attrs }) => {
          const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
          const { epsilon } = attrs as unknown as LayerNormAttrs;
          const rows = sizeOf(x.shape) / (gamma.shape[0] ?? 1);
          return floatKernel(backend, [x, gamma, beta], [x.shape, [rows, STATS]], ([xs, gs, bs], [ys, ss]) =>
            forward(xs!, gs!, bs!, ys!, ss!, epsilon, simdLoops(backendName, backend)),
          );
        },
      });
    }
    if (!tf.getKernel(LAYER_NORM_GRAD_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: LAYER_NORM_GRAD_KERNEL,
        backendName,
        kernelFunc: ({ inputs, backend }) => {
          const { dy, x, gamma, stats } = inputs as Record<'dy' | 'x' | 'gamma' | 'stats', tf.TensorInfo>;
          return floatKernel(
            backend,
            [dy, x, gamma, stats],
            [x.shape, gamma.shape, gamma.shape],
            ([dys, xs, gs, ss], [dxs, dgs, dbs]) =>
              backward(dys!, xs!, gs!, ss!, dxs!, dgs!, dbs!, simdLoops(backendName, backend)),
          );
        },
      });
    }
  }
}

registerLayerNormKernels();

type LayerNormOp = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

/** One op on the tape: the row statistics are saved for the gradient, and freed at once when no gradient is recorded. */
function fusedLayerNorm(epsilon: number): LayerNormOp {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y, stats] = tf.engine().runKernel(LAYER_NORM_KERNEL, { x, gamma, beta }, { epsilon }) as [
      tf.Tensor,
      tf.Tensor,
    ];
    save([x, gamma, stats]);
    return {
      value: y,
      // One kernel call gives all three gradients.
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sGamma, sStats] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(LAYER_NORM_GRAD_KERNEL, { dy, x: sx, gamma: sGamma, stats: sStats }) as tf.Tensor[];
      },
    };
  }) as LayerNormOp;
}

/** customGrad wrappers by epsilon: the attrs are fixed when the wrapper is made. */
const byEpsilon = new Map<number, LayerNormOp>();

function fused(backendName: string): boolean {
  return (
    tf.getKernel(LAYER_NORM_KERNEL, backendName) !== undefined &&
    tf.getKernel(LAYER_NORM_GRAD_KERNEL, backendName) !== undefined
  );
}

/** Layer norm over the last axis of x with gamma and beta of its width: fused on wasm and cpu for float32, op by op elsewhere. */
export function layerNormalize(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
  const width = x.shape[x.shape.length - 1];
  if (gamma.shape.length !== 1 || beta.shape.length !== 1 || gamma.shape[0] !== width || beta.shape[0] !== width) {
    throw new Error(
      `layer norm: gamma [${gamma.shape}] and beta [${beta.shape}] must both be [${width}], the last axis of x [${x.shape}]`,
    );
  }
  if (x.dtype !== 'float32' || gamma.dtype !== 'float32' || beta.dtype !== 'float32' || !fused(tf.getBackend()))
    return layerNormComposite(x, gamma, beta, epsilon);
  let op = byEpsilon.get(epsilon);
  if (!op) byEpsilon.set(epsilon, (op = fusedLayerNorm(epsilon)));
  return op(x, gamma, beta);
}
