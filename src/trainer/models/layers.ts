/**
 * Building blocks written with plain tf ops over our own variables: explicit names, seeded
 * initialisation from our PRNG (identical on every backend), and only kernels the wasm backend has
 * with gradients (embeddings are one-hot matmuls, since wasm lacks the gather gradient).
 */
import * as tf from '@tensorflow/tfjs';
import { activeBlasKernels, gelu, layerNormalize, softmaxCrossEntropy as fusedSoftmaxCrossEntropy } from '../accel';
import { Rng, mixSeed } from '../util/rng';
import type { Param } from './types';

export class ParamFactory {
  readonly params: Param[] = [];
  constructor(private readonly seed: number) {}

  /** A parameter with these exact initial values. */
  add(name: string, data: Float32Array, shape: number[]): tf.Variable {
    if (this.params.some((p) => p.name === name)) throw new Error(`duplicate parameter name ${name}`);
    const t = tf.tensor(data, shape, 'float32');
    const v = tf.variable(t, true);
    t.dispose();
    this.params.push({ name, variable: v });
    return v;
  }

  /** Glorot-uniform kernel [fanIn, fanOut]; the stream depends on the seed and the name, not on creation order. */
  glorot(name: string, fanIn: number, fanOut: number): tf.Variable {
    const rng = new Rng(mixSeed(this.seed, ...Array.from(name, (c) => c.charCodeAt(0))));
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const data = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < data.length; i++) data[i] = (rng.next() * 2 - 1) * limit;
    return this.add(name, data, [fanIn, fanOut]);
  }

  normal(name: string, shape: number[], std: number): tf.Variable {
    const rng = new Rng(mixSeed(this.seed, ...Array.from(name, (c) => c.charCodeAt(0))));
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
    return this.add(name, data, shape);
  }

  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.add(name, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value), shape);
  }
}

export interface Dense {
  kernel: tf.Variable;
  bias: tf.Variable;
}

export function dense(f: ParamFactory, name: string, fanIn: number, fanOut: number): Dense {
  return { kernel: f.glorot(`${name}/kernel`, fanIn, fanOut), bias: f.constant(`${name}/bias`, [fanOut], 0) };
}

/**
 * x·kernel + bias. Not tf.fused.matMul: its gradient always computes dx, a wasted product for a
 * network's input (the MLP's first layer), and its reshapes and custom gradient cost more than the
 * Add they save (MLP 15% slower per step, transformer no faster).
 */
export function applyDense(layer: { kernel: tf.Tensor; bias: tf.Tensor }, x: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.matMul(x, layer.kernel as tf.Tensor2D), layer.bias);
}

/**
 * x·kernel + bias for a layer whose input needs its own gradient (all the transformer's layers):
 * one custom op, and the bias gradient as the product 1ᵀ·dy (a matrix product the BLAS kernels do
 * in one call, instead of the Sum over every row that the Add's gradient runs). With the BLAS
 * kernels the bias is added inside the product (_FusedMatMul), not by a separate Add.
 */
export function applyInnerDense(layer: { kernel: tf.Tensor; bias: tf.Tensor }, x: tf.Tensor2D): tf.Tensor2D {
  return innerDense(x, layer.kernel, layer.bias) as tf.Tensor2D;
}

/** The BLAS _FusedMatMul takes 2-D operands; the stock wasm one needs 3-D, and other backends are not ours to assume. */
const blasOnWasm = (): boolean => tf.getBackend() === 'wasm' && activeBlasKernels() !== null;

const innerDense = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, kernel, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, kernel]);
  return {
    value: blasOnWasm()
      ? (tf
          .engine()
          .runKernel(
            tf._FusedMatMul,
            { a: x, b: kernel, bias },
            { transposeA: false, transposeB: false, activation: 'linear' },
          ) as tf.Tensor2D)
      : tf.add(tf.matMul(x, kernel), bias),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sKernel] = saved as [tf.Tensor2D, tf.Tensor2D];
      const ones = tf.ones([1, dy.shape[0]!]) as tf.Tensor2D;
      return [
        tf.matMul(dy as tf.Tensor2D, sKernel, false, true),
        tf.matMul(sx, dy as tf.Tensor2D, true, false),
        tf.reshape(tf.matMul(ones, dy as tf.Tensor2D), [dy.shape[1]!]),
      ];
    },
  };
}) as (x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu';

export function activate(x: tf.Tensor, kind: Activation): tf.Tensor {
  switch (kind) {
    case 'relu':
      return tf.relu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'gelu':
      // tanh approximation; one fused kernel on wasm and cpu, elementwise ops elsewhere.
      return gelu(x);
  }
}

/** Inverted dropout with a mask from our PRNG: same mask on every backend, a new one each step. */
export function dropout(x: tf.Tensor, rate: number, seed: number, training: boolean): tf.Tensor {
  if (!training || rate <= 0) return x;
  const rng = new Rng(seed);
  const keep = 1 - rate;
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < keep ? 1 / keep : 0;
  return tf.mul(x, tf.tensor(mask, x.shape, 'float32'));
}

export interface LayerNorm {
  gamma: tf.Variable;
  beta: tf.Variable;
}

export function layerNorm(f: ParamFactory, name: string, dim: number): LayerNorm {
  return { gamma: f.constant(`${name}/gamma`, [dim], 1), beta: f.constant(`${name}/beta`, [dim], 0) };
}

/** Over the last axis, epsilon 1e-5; one fused kernel on wasm and cpu, tf.moments and elementwise ops elsewhere. */
export function applyLayerNorm(ln: LayerNorm, x: tf.Tensor): tf.Tensor {
  return layerNormalize(x, ln.gamma, ln.beta, 1e-5);
}

/** Mean softmax cross-entropy over rows; labels are one-hot. One fused kernel each way on wasm and cpu, op by op elsewhere. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return fusedSoftmaxCrossEntropy(logits, oneHot);
}

export function meanSquaredError(pred: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(pred, target)) as tf.Scalar;
}

/** The loss a model of this task trains on, from its [rows, outputs] outputs and targets of the same shape. */
export function taskLoss(task: 'classification' | 'regression', outputs: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return task === 'classification' ? softmaxCrossEntropy(outputs, targets) : meanSquaredError(outputs, targets);
}

export function disposeParams(params: Param[]): void {
  for (const p of params) p.variable.dispose();
}
