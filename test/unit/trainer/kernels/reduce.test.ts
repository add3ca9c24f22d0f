import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { reductionLayout } from '../../../../src/trainer/accel/kernels/reduce';
import { assertSameOnCpu, randInt, randomData, rng, useWasmWithFastKernels } from './compare';

/** Ours sums in double then rounds to float32, as the cpu backend does: only summation order differs. */
const TOLERANCE = 1e-6;
/** Innermost reductions stay on the stock kernel, which accumulates in float32. */
const STOCK_TOLERANCE = 1e-5;

function tolerance(shape: number[], axis: number | number[] | undefined): number {
  const layout = reductionLayout(shape, axis ?? shape.map((_, i) => i), false);
  return layout && layout.inner > 1 ? TOLERANCE : STOCK_TOLERANCE;
}

describe('fast wasm Sum', function () {
  this.timeout(30000);
  let replaced: string[] = [];
  before(async () => {
    replaced = await useWasmWithFastKernels();
  });

  it('is registered for the wasm backend', () => {
    assert.ok(replaced.includes('Sum'));
  });

  it('reads reductions over one run of adjacent axes as [outer, reduced, inner]', () => {
    assert.deepEqual(reductionLayout([2048, 512], 0, false), { outer: 1, reduced: 2048, inner: 512, outShape: [512] });
    assert.deepEqual(reductionLayout([32, 64, 128], [1, 0], true), {
      outer: 1,
      reduced: 2048,
      inner: 128,
      outShape: [1, 1, 128],
    });
    assert.deepEqual(reductionLayout([2, 3, 4, 5], [-3, 2], false), {
      outer: 2,
      reduced: 12,
      inner: 5,
      outShape: [2, 5],
    });
    assert.equal(reductionLayout([2, 3, 4], [0, 2], false), null);
  });

  it('matches the cpu backend on the transformer shapes (bias and layer-norm gradients)', async () => {
    const next = rng(41);
    for (const [shape, axis, keepDims] of [
      [[2048, 512], 0, false],
      [[2048, 128], 0, false],
      [[32, 64, 128], [0, 1], false],
      [[32, 64, 128], 2, true],
    ] as const) {
      const data = randomData(next, [...shape]);
      await assertSameOnCpu(
        `sum ${JSON.stringify(shape)} axis ${JSON.stringify(axis)}`,
        () => tf.sum(tf.tensor(data, [...shape]), axis as number | number[], keepDims),
        tolerance([...shape], axis as number | number[]),
      );
    }
  });

  it('matches the cpu backend on random shapes, axes and keepDims, gradients included', async () => {
    const next = rng(42);
    for (let trial = 0; trial < 40; trial++) {
      const rank = randInt(next, 1, 4);
      const shape = Array.from({ length: rank }, () => randInt(next, 1, 7));
      // Any subset of axes, some written negative: adjacent runs take the fast path, others the stock one.
      const axes = shape
        .map((_, i) => i)
        .filter(() => next() < 0.5)
        .map((a) => (next() < 0.3 ? a - rank : a));
      const axis = axes.length === 0 ? undefined : axes;
      const keepDims = next() < 0.5;
      const data = randomData(next, shape);
      await assertSameOnCpu(
        `sum ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}`,
        () => {
          const x = tf.tensor(data, shape);
          const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.sum(t, axis, keepDims))))(x);
          return [tf.sum(x, axis, keepDims), grad];
        },
        tolerance(shape, axis),
      );
    }
  });

  it('handles row counts that are not a multiple of four, a single row, int32 and empty tensors', async () => {
    const next = rng(43);
    for (const rows of [1, 2, 3, 5, 7, 9]) {
      const data = randomData(next, [rows, 6]);
      await assertSameOnCpu(`sum of ${rows} rows`, () => tf.sum(tf.tensor(data, [rows, 6]), 0), TOLERANCE);
    }
    const ints = Int32Array.from({ length: 24 }, (_, i) => i * 7 - 50);
    await assertSameOnCpu(
      'int32 (stock path)',
      () => tf.cast(tf.sum(tf.tensor(ints, [4, 6], 'int32'), 0), 'float32'),
      0,
    );
    for (const [shape, axis, keepDims] of [
      [[0, 5], 0, false],
      [[0, 5], 1, true],
      [[3, 0, 2], [0, 1], false],
      [[0], undefined, false],
    ] as const) {
      await assertSameOnCpu(
        `empty ${JSON.stringify(shape)} axis ${axis}`,
        () => tf.sum(tf.zeros([...shape]), axis as number | undefined, keepDims),
        0,
      );
    }
  });
});
