/**
 * Mean softmax cross-entropy over rows as one op with its own gradient:
 *   loss = −(1/N)·Σᵢ Σⱼ yᵢⱼ·log softmax(xᵢ)ⱼ,   dL/dxᵢⱼ = (dy/N)·(pᵢⱼ·Σₖ yᵢₖ − yᵢⱼ)
 * Op by op this is logSoftmax (Max, Sub, Exp, Sum, Log, Sub), Multiply, Sum, RealDiv and Neg
 * forward and about twice as many kernels backward over the [N, classes] logits. Fused, the
 * forward pass is the backend's Softmax kernel (XNNPACK's vectorised exp on wasm) and one JS pass
 * for the loss, the backward pass one JS pass from the saved probabilities. The log-probabilities
 * come from the row's largest logit m without a second exp pass: log pⱼ = xⱼ − x_m + log p_m
 * (p_m ≥ 1/classes, so its log is as precise as the Softmax kernel). Kernels for wasm and cpu;
 * elsewhere (webgpu, tensorflow) `softmaxCrossEntropy` runs the op-by-op definition.
 * Only the logits get a gradient: the labels are data.
 */
import * as tf from '@tensorflow/tfjs';
import { FLOAT_KERNEL_BACKENDS, floatKernel } from '../kernels/floatKernel';

export const SOFTMAX_CROSS_ENTROPY_KERNEL = 'TrainingRunsSoftmaxCrossEntropy';
export const SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL = 'TrainingRunsSoftmaxCrossEntropyGrad';

/** The op-by-op definition: the reference the fused kernels are tested against, and the fallback. */
export function softmaxCrossEntropyComposite(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.div(tf.sum(tf.mul(labels, tf.logSoftmax(logits))), logits.shape[0])) as tf.Scalar;
}

/** −(1/rows)·Σ y·log p over [rows, classes] arrays, log p from the row's largest logit (see above). */
function meanCrossEntropy(
  logits: Float32Array,
  probs: Float32Array,
  labels: Float32Array,
  rows: number,
  classes: number,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = r * classes;
    let top = row;
    for (let j = row + 1; j < row + classes; j++) if (logits[j]! > logits[top]!) top = j;
    const offset = Math.log(probs[top]!) - logits[top]!;
    for (let j = row; j < row + classes; j++) {
      const y = labels[j]!;
      // Zero labels skipped: log p may be −∞ where p underflowed, and 0·(−∞) is NaN.
      if (y !== 0) total += y * (logits[j]! + offset);
    }
  }
  return -total / rows;
}

/** dx = (dy/rows)·(p·Σ y − y) per row. */
function crossEntropyGrad(
  dy: number,
  probs: Float32Array,
  labels: Float32Array,
  dx: Float32Array,
  rows: number,
  classes: number,
): void {
  const g = dy / rows;
  for (let r = 0; r < rows; r++) {
    const row = r * classes;
    let labelSum = 0;
    for (let j = row; j < row + classes; j++) labelSum += labels[j]!;
    for (let j = row; j < row + classes; j++) dx[j] = g * (probs[j]! * labelSum - labels[j]!);
  }
}

function registerCrossEntropyKernels(): void {
  for (const backendName of FLOAT_KERNEL_BACKENDS) {
    if (!tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: SOFTMAX_CROSS_ENTROPY_KERNEL,
        backendName,
        // Outputs [loss, probabilities]: the gradient needs only the probabilities.
        kernelFunc: ({ inputs, backend }) => {
          const { logits, labels } = inputs as Record<'logits' | 'labels', tf.TensorInfo>;
          const [rows, classes] = logits.shape as [number, number];
          const softmax = tf.getKernel(tf.Softmax, backendName)!.kernelFunc;
          const probs = softmax({ inputs: { logits }, backend, attrs: { dim: 1 } }) as tf.TensorInfo;
          const [loss] = floatKernel(backend, [logits, probs, labels], [[]], ([x, p, y], [out]) => {
            out![0] = meanCrossEntropy(x!, p!, y!, rows, classes);
          });
          return [loss!, probs];
        },
      });
    }
    if (!tf.getKernel(SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL, backendName)) {
      tf.registerKernel({
        kernelName: SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL,
        backendName,
        kernelFunc: ({ inputs, backend }) => {
          const { dy, probs, labels } = inputs as Record<'dy' | 'probs' | 'labels', tf.TensorInfo>;
          const [rows, classes] = probs.shape as [number, number];
          return floatKernel(backend, [dy, probs, labels], [probs.shape], ([g, p, y], [dx]) =>
            crossEntropyGrad(g![0]!, p!, y!, dx!, rows, classes),
          )[0]!;
        },
      });
    }
  }
}

registerCrossEntropyKernels();

/** One op on the tape for these labels: the probabilities are saved for the gradient, freed at once when none is recorded. */
function fusedCrossEntropy(labels: tf.Tensor2D): (logits: tf.Tensor2D) => tf.Scalar {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [logits, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [loss, probs] = tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, { logits, labels }) as [
      tf.Scalar,
      tf.Tensor,
    ];
    save([probs, labels]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf
          .engine()
          .runKernel(SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL, { dy, probs: saved[0]!, labels: saved[1]! }) as tf.Tensor,
    };
  }) as (logits: tf.Tensor2D) => tf.Scalar;
}

/** Mean softmax cross-entropy over the rows of [N, classes] logits and labels (one-hot or any distribution). */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  const backend = tf.getBackend();
  const fused =
    tf.getKernel(SOFTMAX_CROSS_ENTROPY_KERNEL, backend) !== undefined &&
    tf.getKernel(SOFTMAX_CROSS_ENTROPY_GRAD_KERNEL, backend) !== undefined;
  if (
    !fused ||
    logits.dtype !== 'float32' ||
    labels.dtype !== 'float32' ||
    logits.rank !== 2 ||
    !tf.util.arraysEqual(logits.shape, labels.shape)
  ) {
    return softmaxCrossEntropyComposite(logits, labels);
  }
  return fusedCrossEntropy(labels)(logits);
}
