import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assertSameOnCpu, randomData, rng, useWasmWithFastKernels } from './compare';

describe('fast wasm Tanh / Pow / Identity / Cast', function () {
  this.timeout(20000);
  before(useWasmWithFastKernels);

  it('tanh matches the cpu backend within 1e-6 (absolute below 1, relative above), gradient included', async () => {
    const next = rng(21);
    // Wide values, values around the series switch at |x| = 0.1, tiny and saturated ones.
    const data = Float32Array.from([
      ...randomData(next, [4000]).map((v) => v * 6),
      ...randomData(next, [1000]).map((v) => v * 0.2),
      0,
      -0,
      1e-8,
      -1e-8,
      0.1,
      -0.1,
      0.0999,
      30,
      -30,
    ]);
    const worst = await assertSameOnCpu(
      'tanh',
      () => {
        const x = tf.tensor(data);
        return [tf.tanh(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.tanh(t), 3)))(x)];
      },
      1e-6,
    );
    assert.ok(worst < 1e-6);
  });

  it('tanh keeps 2e-7 relative precision for |x| < 0.1 (where 2·sigmoid(2x) − 1 would cancel)', async () => {
    const data = Float32Array.from({ length: 199 }, (_, i) => (i - 99) * 1e-3); // |x| < 0.1
    const values = tf.tidy(() => tf.tanh(tf.tensor(data)).dataSync());
    data.forEach((v, i) => {
      const expected = Math.tanh(v);
      assert.ok(
        Math.abs(values[i]! - expected) <= 2e-7 * Math.abs(expected) + 1e-30,
        `tanh(${v}) = ${values[i]} vs ${expected}`,
      );
    });
  });

  it('tanh is within 2.4e-7 relative of Math.tanh from -12 to 12, and exactly ±1 (zero gradient) once float32 saturates', () => {
    const data = Float32Array.from({ length: 48001 }, (_, i) => -12 + i * 5e-4);
    const [values, grads] = tf.tidy(() => {
      const x = tf.tensor(data);
      return [
        tf.tanh(x).dataSync(),
        tf
          .grad((t: tf.Tensor) => tf.sum(tf.tanh(t)))(x)
          .dataSync(),
      ];
    });
    data.forEach((v, i) => {
      const expected = Math.tanh(v);
      assert.ok(
        Math.abs(values[i]! - expected) <= 2.4e-7 * Math.abs(expected) + 1e-30,
        `tanh(${v}) = ${values[i]} vs ${expected}`,
      );
      if (Math.abs(v) > 9.1) assert.equal(grads[i], 0, `gradient at ${v}`);
    });
  });

  it('pow with a scalar exponent matches the cpu backend (2, 3, 1, 0.5, -1, 1.7), gradient included', async () => {
    const next = rng(22);
    const signed = randomData(next, [3, 50]).map((v) => v * 4);
    const positive = signed.map((v) => Math.abs(v) + 0.01);
    for (const [e, data] of [
      [2, signed],
      [3, signed],
      [1, signed],
      [0.5, positive],
      [-1, positive],
      [1.7, positive],
    ] as const) {
      await assertSameOnCpu(
        `pow(x, ${e})`,
        () => {
          const x = tf.tensor(data, [3, 50]);
          return [tf.pow(x, e), tf.grad((t: tf.Tensor) => tf.sum(tf.pow(t, e)))(x)];
        },
        1e-6,
      );
    }
    await assertSameOnCpu(
      'pow with a tensor exponent (stock path)',
      () => tf.pow(tf.tensor(positive, [3, 50]), tf.tensor(signed, [3, 50])),
      1e-5,
    );
  });

  it('identity and same-dtype cast share data safely: values survive disposing the source, and nothing leaks', () => {
    const before = tf.memory().numBytes;
    const a = tf.tensor([1, 2, 3, 4], [2, 2]);
    const flat = tf.reshape(a, [2, 2]);
    const copies = [tf.clone(a), tf.cast(a, 'float32'), tf.clone(flat)];
    a.dispose();
    flat.dispose();
    for (const c of copies) assert.deepEqual([...c.dataSync()], [1, 2, 3, 4]);
    const asInt = tf.cast(copies[0]!, 'int32');
    assert.equal(asInt.dtype, 'int32');
    assert.deepEqual([...asInt.dataSync()], [1, 2, 3, 4]);
    for (const c of [...copies, asInt]) c.dispose();
    assert.equal(tf.memory().numBytes, before);
  });
});
