import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { registerFastWasmKernels } from '../../../../src/trainer/accel/kernels';
import { copyBox } from '../../../../src/trainer/accel/kernels/slice';
import { assertSameOnCpu, randInt, randomData, rng, useWasmWithFastKernels } from './compare';

/** Copies and integer sums are exact; only the summed gradients round differently. */
const EXACT = 0;
const SUMMED = 1e-6;

function randomShape(next: () => number, rank: number): number[] {
  return Array.from({ length: rank }, () => randInt(next, 1, 6));
}

describe('fast wasm Slice / SplitV / Unpack / UnsortedSegmentSum', function () {
  this.timeout(20000);
  let replaced: string[] = [];
  before(async () => {
    replaced = await useWasmWithFastKernels();
  });

  it('registers its kernels over the stock ones, idempotently', () => {
    assert.deepEqual(replaced, [
      'BatchMatMul',
      '_FusedMatMul',
      'Slice',
      'SplitV',
      'Unpack',
      'UnsortedSegmentSum',
      'Identity',
      'Cast',
      'Tanh',
      'Pow',
      'Sum',
    ]);
    const before = tf.getKernel('Unpack', 'wasm')!.kernelFunc;
    assert.deepEqual(registerFastWasmKernels(), replaced);
    assert.equal(tf.getKernel('Unpack', 'wasm')!.kernelFunc, before, 'a second call must not re-register');
    assert.ok(tf.getKernel('UnsortedSegmentSum', 'wasm'), 'stock 4.22 has no UnsortedSegmentSum: ours adds it');
  });

  it('copyBox copies a box of a row-major array, merging whole trailing axes', () => {
    const src = Float32Array.from({ length: 24 }, (_, i) => i); // shape [2, 3, 4]
    const dst = new Float32Array(6);
    copyBox(src, [2, 3, 4], [1, 1, 1], [1, 2, 3], dst);
    assert.deepEqual([...dst], [17, 18, 19, 21, 22, 23]);
    const whole = new Float32Array(12);
    copyBox(src, [2, 3, 4], [1, 0, 0], [1, 3, 4], whole);
    assert.deepEqual(
      [...whole],
      Array.from({ length: 12 }, (_, i) => 12 + i),
    );
  });

  it('slices random boxes of ranks 1-5 like the cpu backend, with gradients', async () => {
    const next = rng(11);
    for (let trial = 0; trial < 30; trial++) {
      const shape = randomShape(next, 1 + (trial % 5));
      const begin = shape.map((d) => randInt(next, 0, d - 1));
      const size = shape.map((d, i) => (next() < 0.2 ? -1 : randInt(next, 1, d - begin[i]!)));
      const data = randomData(next, shape);
      await assertSameOnCpu(
        `slice [${shape}] begin [${begin}] size [${size}]`,
        () => {
          const x = tf.tensor(data, shape);
          return [tf.slice(x, begin, size), tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.slice(t, begin, size))))(x)];
        },
        EXACT,
      );
    }
  });

  it('splits and unstacks along every axis like the cpu backend, with gradients', async () => {
    const next = rng(12);
    for (let trial = 0; trial < 16; trial++) {
      const shape = randomShape(next, 2 + (trial % 3));
      const axis = trial % shape.length;
      const data = randomData(next, shape);
      const first = randInt(next, 0, shape[axis]!);
      const sizes = [first, shape[axis]! - first];
      await assertSameOnCpu(
        `split/unstack [${shape}] axis ${axis} sizes [${sizes}]`,
        () => {
          const x = tf.tensor(data, shape);
          const weigh = (parts: tf.Tensor[]) => tf.addN(parts.map((p, i) => tf.sum(tf.mul(p, i + 1))));
          return [
            ...tf.split(x, sizes, axis),
            ...tf.unstack(x, axis),
            tf.grad((t: tf.Tensor) => weigh(tf.unstack(t, axis)))(x),
            tf.grad((t: tf.Tensor) => weigh(tf.split(t, sizes, axis)))(x),
          ];
        },
        SUMMED,
      );
    }
  });

  it('unstacks a recurrent sequence of the reference LM size ([64, 32, 64]) like the cpu backend', async () => {
    const data = randomData(rng(13), [64, 32, 64]);
    await assertSameOnCpu('unstack [64, 32, 64]', () => tf.unstack(tf.tensor(data, [64, 32, 64])), EXACT);
  });

  it('sums segments like the cpu backend (float32 and int32, out-of-range ids dropped)', async () => {
    const next = rng(14);
    for (let trial = 0; trial < 10; trial++) {
      const rows = randInt(next, 1, 40);
      const inner = randomShape(next, trial % 3);
      const numSegments = randInt(next, 1, 12);
      const ids = Int32Array.from({ length: rows }, () => randInt(next, -1, numSegments));
      const data = randomData(next, [rows, ...inner]);
      await assertSameOnCpu(
        `segmentSum rows ${rows} inner [${inner}] segments ${numSegments}`,
        () => {
          const x = tf.tensor(data, [rows, ...inner]);
          const segmentIds = tf.tensor1d(ids, 'int32');
          return [
            tf.unsortedSegmentSum(x, segmentIds, numSegments),
            tf.cast(tf.unsortedSegmentSum(tf.cast(tf.mul(x, 100), 'int32'), segmentIds, numSegments), 'float32'),
          ];
        },
        SUMMED,
      );
    }
  });

  it('trains through an embedding lookup (gather gradient) like the cpu backend', async () => {
    const table = randomData(rng(15), [65, 16]);
    const ids = Int32Array.from({ length: 64 }, (_, i) => (i * 7) % 65);
    await assertSameOnCpu(
      'gather gradient',
      () => {
        const t = tf.tensor(table, [65, 16]);
        return tf.grad((w: tf.Tensor) => tf.sum(tf.square(tf.gather(w, tf.tensor1d(ids, 'int32')))))(t);
      },
      SUMMED,
    );
  });
});
