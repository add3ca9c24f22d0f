import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, heapF32 } from '../../../../../src/trainer/accel/kernels/wasmBackend';
import {
  LAYER_NORM_GRAD_KERNEL,
  LAYER_NORM_KERNEL,
  layerNormComposite,
  layerNormalize,
} from '../../../../../src/trainer/accel/fused/layerNorm';
import { layerNormLoops } from '../../../../../src/trainer/accel/fused/layerNormSimd';
import { Rng } from '../../../../../src/trainer/util/rng';
import { assertClose, kernelsRun, onBackend, values } from './fusedCompare';

/** Values: statistics in double against tf.moments' float32 steps. */
const VALUE_TOLERANCE = 2e-6;
/** Gradients: gamma and beta sum dy over every row, which op by op accumulates in float32. */
const GRAD_TOLERANCE = 1e-5;
const EPSILON = 1e-5;

function random(seed: number, size: number, scale: number, offset = 0): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: size }, () => offset + rng.normal() * scale);
}

interface Case {
  shape: number[];
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  weights: Float32Array;
}

function makeCase(seed: number, shape: number[], scale = 2, offset = 0.5): Case {
  const width = shape[shape.length - 1]!;
  const size = shape.reduce((a, b) => a * b, 1);
  return {
    shape,
    x: random(seed, size, scale, offset),
    gamma: random(seed + 1, width, 0.5, 1),
    beta: random(seed + 2, width, 0.5),
    weights: random(seed + 3, size, 1),
  };
}

/** The definition in double precision, from the float32 inputs. */
function exactLayerNorm(c: Case): Float32Array {
  const width = c.gamma.length;
  const out = new Float32Array(c.x.length);
  for (let r = 0; r < c.x.length / width; r++) {
    const row = Array.from(c.x.subarray(r * width, (r + 1) * width));
    const mean = row.reduce((a, b) => a + b, 0) / width;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / width;
    row.forEach(
      (v, j) => (out[r * width + j] = ((v - mean) / Math.sqrt(variance + EPSILON)) * c.gamma[j]! + c.beta[j]!),
    );
  }
  return out;
}

type LayerNormOp = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number) => tf.Tensor;

/** y and the gradients of sum(y · w) for x, gamma and beta. */
function valueAndGrads(op: LayerNormOp, c: Case): () => tf.Tensor[] {
  return () => {
    const width = c.shape[c.shape.length - 1]!;
    const inputs = [tf.tensor(c.x, c.shape), tf.tensor(c.gamma, [width]), tf.tensor(c.beta, [width])];
    const w = tf.tensor(c.weights, c.shape);
    const loss = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) =>
      tf.sum(tf.mul(op(x, gamma, beta, EPSILON), w)) as tf.Scalar;
    return [op(inputs[0]!, inputs[1]!, inputs[2]!, EPSILON), ...tf.grads(loss)(inputs)];
  };
}

function assertMatches(label: string, actual: Float32Array[], expected: Float32Array[]): void {
  assertClose(`${label} values`, actual.slice(0, 1), expected.slice(0, 1), VALUE_TOLERANCE);
  assertClose(`${label} gradients`, actual.slice(1), expected.slice(1), GRAD_TOLERANCE);
}

describe('fused layer norm', function () {
  this.timeout(30000);
  // The transformer's shape, odd widths, a single row, rank 1, width 1 (zero variance), and rows
  // past the last block of 8 of the SIMD gamma/beta sums.
  const cases = [
    makeCase(1, [4, 16, 128]),
    makeCase(5, [3, 7]),
    makeCase(9, [1, 33]),
    makeCase(13, [20]),
    makeCase(21, [5, 1]),
    makeCase(25, [13, 12]),
  ];

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: runs one kernel each way and matches the op-by-op layer norm on cpu (values ${VALUE_TOLERANCE}, gradients ${GRAD_TOLERANCE})`, async () => {
      for (const c of cases) {
        const expected = await onBackend('cpu', () => values(valueAndGrads(layerNormComposite, c)));
        const actual = await onBackend(backend, () => values(valueAndGrads(layerNormalize, c)));
        assertMatches(`${backend} ${JSON.stringify(c.shape)}`, actual, expected);
      }
      const names = await onBackend(backend, () =>
        kernelsRun(
          () =>
            tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(layerNormalize(x, g, b, EPSILON)))([
              tf.ones([2, 3]),
              tf.ones([3]),
              tf.zeros([3]),
            ])[0]!,
        ),
      );
      assert.ok(
        names.includes(LAYER_NORM_KERNEL) && names.includes(LAYER_NORM_GRAD_KERNEL),
        `kernels run: ${names.join(', ')}`,
      );
      assert.ok(!names.includes('Mean') && !names.includes('Rsqrt'), `op-by-op kernels ran: ${names.join(', ')}`);
    });
  }

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: keeps float32 precision for rows with a large mean and a small spread, where the op-by-op version does not`, async () => {
      const c = makeCase(17, [6, 10], 0.01, 1000);
      const exact = exactLayerNorm(c);
      const [fused] = await onBackend(backend, () =>
        values(() => [layerNormalize(tf.tensor(c.x, c.shape), tf.tensor(c.gamma), tf.tensor(c.beta), EPSILON)]),
      );
      assertClose(`${backend} fused vs exact`, [fused!], [exact], VALUE_TOLERANCE);
      const [composite] = await onBackend(backend, () =>
        values(() => [layerNormComposite(tf.tensor(c.x, c.shape), tf.tensor(c.gamma), tf.tensor(c.beta), EPSILON)]),
      );
      assert.throws(() => assertClose('composite vs exact', [composite!], [exact], 1e-4));
    });
  }

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: gradients of rows with a large mean match those of the same rows shifted to mean 0 (layer norm ignores shifts)`, async () => {
      const c = makeCase(19, [6, 10], 0.01, 1000);
      const shifted = { ...c, x: c.x.map((v) => v - 1000) }; // exact in float32 at this spread
      const [large, centred] = await onBackend(backend, () => [
        values(valueAndGrads(layerNormalize, c)),
        values(valueAndGrads(layerNormalize, shifted)),
      ]);
      assertClose(`${backend} gradients`, large!.slice(1), centred!.slice(1), GRAD_TOLERANCE);
    });
  }

  it('on wasm: the SIMD row loop runs and takes the mean as high and low parts (x − high is exact near the mean)', async () => {
    await onBackend('wasm', () => {
      const c = makeCase(23, [8], 0.01, 1000);
      const mean = c.x.reduce((a, b) => a + b, 0) / 8;
      const rstd = 1 / Math.sqrt(c.x.reduce((a, b) => a + (b - mean) ** 2, 0) / 8 + EPSILON);
      const tensors = [c.x, c.gamma, c.beta, new Float32Array(8)].map((data) => tf.tensor(data));
      const wasm = asWasmBackend(tf.backend());
      const loops = layerNormLoops(wasm.wasm);
      assert.ok(loops, 'this engine has WebAssembly SIMD');
      const [x, gamma, beta, y] = tensors.map((t) => heapF32(wasm, t)) as Float32Array[];
      const high = Math.fround(mean);
      loops.layerNormRow(
        x!.byteOffset,
        gamma!.byteOffset,
        beta!.byteOffset,
        y!.byteOffset,
        32,
        high,
        mean - high,
        rstd,
      );
      assertClose('row', [y!], [exactLayerNorm(c)], VALUE_TOLERANCE);
      tf.dispose(tensors);
    });
  });

  it('frees the saved row statistics at once when no gradient is recorded', async () => {
    await onBackend('wasm', () => {
      const [x, gamma, beta] = [tf.ones([4, 8]), tf.ones([8]), tf.zeros([8])];
      const before = tf.memory();
      layerNormalize(x, gamma, beta, EPSILON).dispose();
      assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [before.numTensors, before.numBytes]);
      tf.dispose([x, gamma, beta]);
    });
  });

  it('gives the gradient of x alone when gamma and beta are constants, and leaks no tensors', async () => {
    await onBackend('wasm', () => {
      const c = makeCase(30, [3, 8]);
      const gamma = tf.tensor(c.gamma);
      const beta = tf.tensor(c.beta);
      const before = tf.memory().numTensors;
      const fused = values(() => [
        tf.grad((x: tf.Tensor) => tf.sum(tf.square(layerNormalize(x, gamma, beta, EPSILON))))(tf.tensor(c.x, c.shape)),
      ]);
      const composite = values(() => [
        tf.grad((x: tf.Tensor) => tf.sum(tf.square(layerNormComposite(x, gamma, beta, EPSILON))))(
          tf.tensor(c.x, c.shape),
        ),
      ]);
      assert.equal(tf.memory().numTensors, before);
      assertClose('dx', fused, composite, GRAD_TOLERANCE);
      gamma.dispose();
      beta.dispose();
    });
  });

  it('rejects gamma or beta that do not match the last axis', async () => {
    await onBackend('cpu', () => {
      assert.throws(
        () => layerNormalize(tf.ones([2, 4]), tf.ones([3]), tf.zeros([4]), EPSILON),
        /gamma \[3\] and beta \[4\] must both be \[4\]/,
      );
      assert.throws(
        () => layerNormalize(tf.ones([2, 4]), tf.ones([4]), tf.zeros([1, 4]), EPSILON),
        /must both be \[4\]/,
      );
    });
  });

  it('falls back to the op-by-op layer norm, with tfjs gradients, on a backend without the kernels', async () => {
    await onBackend('cpu', async () => {
      const forward = tf.getKernel(LAYER_NORM_KERNEL, 'cpu')!;
      tf.unregisterKernel(LAYER_NORM_KERNEL, 'cpu');
      try {
        const c = makeCase(40, [3, 9]);
        assertClose(
          'fallback',
          values(valueAndGrads(layerNormalize, c)),
          values(valueAndGrads(layerNormComposite, c)),
          0,
        );
        const names = await kernelsRun(() => layerNormalize(tf.ones([2, 3]), tf.ones([3]), tf.zeros([3]), EPSILON));
        assert.ok(names.includes('Rsqrt') && !names.includes(LAYER_NORM_KERNEL), `kernels run: ${names.join(', ')}`);
      } finally {
        tf.registerKernel(forward);
      }
    });
  });
});
