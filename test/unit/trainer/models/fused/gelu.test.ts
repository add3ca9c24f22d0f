import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, heapF32 } from '../../../../../src/trainer/accel/kernels/wasmBackend';
import { GELU_GRAD_KERNEL, GELU_KERNEL, gelu, geluComposite } from '../../../../../src/trainer/accel/fused/gelu';
import { doubledInnerSimd, geluBackwardSimd, geluLoops } from '../../../../../src/trainer/accel/fused/geluSimd';
import { Rng } from '../../../../../src/trainer/util/rng';
import { assertClose, kernelsRun, onBackend, values } from './fusedCompare';

/** Fused vs op by op (each rounding to float32, tanh from libm on cpu): values and gradients. */
const TOLERANCE = 2e-6;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const exactGelu = (v: number) => 0.5 * v * (1 + Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v ** 3)));
function exactSlope(v: number): number {
  const t = Math.tanh(SQRT_2_OVER_PI * (v + 0.044715 * v ** 3));
  return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * 0.044715 * v * v);
}

function randomInput(seed: number, size: number, scale: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: size }, () => rng.normal() * scale);
}

/** y and dL/dx for L = sum(gelu(x) · w), so the gradient sees a non-uniform dy. */
function valueAndGrad(
  op: (x: tf.Tensor) => tf.Tensor,
  x: Float32Array,
  w: Float32Array,
  shape: number[],
): () => tf.Tensor[] {
  return () => {
    const input = tf.tensor(x, shape);
    const weights = tf.tensor(w, shape);
    return [op(input), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(op(t), weights)))(input)];
  };
}

describe('fused GELU', function () {
  this.timeout(30000);
  const shapes = [[7], [5, 33], [2, 3, 16], [64, 128]];

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`on ${backend}: runs one kernel each way and matches the op-by-op GELU on cpu within ${TOLERANCE}, gradients included`, async () => {
      for (const [i, shape] of shapes.entries()) {
        const size = shape.reduce((a, b) => a * b, 1);
        const x = randomInput(10 + i, size, 3);
        const w = randomInput(20 + i, size, 1);
        const expected = await onBackend('cpu', () => values(valueAndGrad(geluComposite, x, w, shape)));
        const actual = await onBackend(backend, () => values(valueAndGrad(gelu, x, w, shape)));
        assertClose(`${backend} ${JSON.stringify(shape)}`, actual, expected, TOLERANCE);
      }
      const names = await onBackend(backend, () =>
        kernelsRun(() => tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(tf.ones([4, 4]))),
      );
      assert.ok(names.includes(GELU_KERNEL) && names.includes(GELU_GRAD_KERNEL), `kernels run: ${names.join(', ')}`);
      assert.ok(!names.includes('Tanh') && !names.includes('Pow'), `op-by-op kernels ran: ${names.join(', ')}`);
    });

    it(`on ${backend}: is within 2e-7 (values) and 2e-6 (slope) of the exact formula from -12 to 12, saturated ends included`, async () => {
      const x = Float32Array.from({ length: 4801 }, (_, i) => -12 + i * 0.005);
      const [y, dx] = await onBackend(backend, () =>
        values(() => [gelu(tf.tensor(x)), tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(tf.tensor(x))]),
      );
      assertClose(`${backend} values`, [y!], [x.map(exactGelu)], 2e-7);
      assertClose(`${backend} slope`, [dx!], [x.map(exactSlope)], 2e-6);
    });
  }

  it('on wasm: the SIMD loops run, match the scalar formulas and leave the last n % 4 elements to them', async () => {
    await onBackend('wasm', () => {
      const n = 4 * 25 + 3;
      const [x, dy, s] = [
        randomInput(31, n, 3),
        randomInput(32, n, 1),
        Float32Array.from(randomInput(33, n, 1), (v) => 1 / (1 + Math.exp(-v))),
      ];
      const tensors = [x, dy, s, new Float32Array(n), new Float32Array(n)].map((data) => tf.tensor(data));
      const wasm = asWasmBackend(tf.backend());
      const loops = geluLoops(wasm.wasm);
      assert.ok(loops, 'this engine has WebAssembly SIMD');
      const [xv, dyv, sv, zv, dxv] = tensors.map((t) => heapF32(wasm, t)) as Float32Array[];
      assert.equal(doubledInnerSimd(loops, xv!, zv!), n - 3);
      assert.equal(geluBackwardSimd(loops, dyv!, xv!, sv!, dxv!), n - 3);
      const c = Math.sqrt(2 / Math.PI);
      const z = Array.from(x, (v) => 2 * c * (v + 0.044715 * v ** 3));
      const dx = Array.from(
        x,
        (v, i) => dy[i]! * (s[i]! + v * s[i]! * (1 - s[i]!) * (2 * c + 6 * c * 0.044715 * v * v)),
      );
      assertClose('2u', [zv!.slice(0, n - 3)], [Float32Array.from(z.slice(0, n - 3))], 1e-6);
      assertClose('dx', [dxv!.slice(0, n - 3)], [Float32Array.from(dx.slice(0, n - 3))], 1e-6);
      assert.deepEqual(
        [...zv!.slice(n - 3), ...dxv!.slice(n - 3)],
        [0, 0, 0, 0, 0, 0],
        'the remainder is left to the scalar loops',
      );
      tf.dispose(tensors);
    });
  });

  it('leaks no tensors or bytes, forward alone (σ freed at once) or with the gradient (σ saved, then freed)', async () => {
    await onBackend('wasm', () => {
      const x = tf.randomNormal([8, 8], 0, 2, 'float32', 1);
      const before = tf.memory();
      gelu(x).dispose();
      assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [before.numTensors, before.numBytes]);
      tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(gelu(t)))(x)
          .dataSync(),
      );
      assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [before.numTensors, before.numBytes]);
      x.dispose();
    });
  });

  it('falls back to the op-by-op GELU, with tfjs gradients, on a backend without the kernel', async () => {
    await onBackend('cpu', async () => {
      const forward = tf.getKernel(GELU_KERNEL, 'cpu')!;
      tf.unregisterKernel(GELU_KERNEL, 'cpu');
      try {
        const x = randomInput(3, 40, 2);
        const w = randomInput(4, 40, 1);
        const fallback = values(valueAndGrad(gelu, x, w, [40]));
        const composite = values(valueAndGrad(geluComposite, x, w, [40]));
        assertClose('fallback', fallback, composite, 0);
        const names = await kernelsRun(() => gelu(tf.ones([3])));
        assert.ok(names.includes('Tanh') && !names.includes(GELU_KERNEL), `kernels run: ${names.join(', ')}`);
      } finally {
        tf.registerKernel(forward);
      }
    });
  });
});
