/**
 * The LSTM gate step's SIMD loops (float32, on the wasm heap) against the scalar JavaScript loops
 * (double arithmetic on plain arrays) and against composite tf ops, forward and backward, for widths
 * with and without a remainder of 4 (the tail runs the scalar loop) and pre-activations up to ±24
 * (beyond the rational tanh's clamp at ±7.9).
 * Tolerance: 2e-6 absolute (values are gates, cells of magnitude ≤ ~3, and their gradients); seen
 * at most 4.8e-7 against the JS loops.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { asWasmBackend, heapF32 } from '../../../../src/trainer/accel/kernels/wasmBackend';
import { compositeGateSteps } from '../../../../src/trainer/accel/fused/lstmComposite';
import { lstmGateBackward, lstmGateForwardColumns } from '../../../../src/trainer/accel/fused/lstmGateMath';
import { kernelGateSteps } from '../../../../src/trainer/accel/fused/lstmKernels';
import { LSTM_SIMD, lstmBackwardSimd, lstmForwardSimd } from '../../../../src/trainer/accel/fused/lstmSimd';
import { Rng } from '../../../../src/trainer/util/rng';
import { useBackend } from './rnnCompare';
import { WIDTHS, assertAllClose, onHeap, random, sigmoid } from './rnnSimdHelpers';

const TOLERANCE = 2e-6;

describe('LSTM gate step: SIMD loops on the wasm heap', () => {
  before(() => useBackend('wasm'));

  for (const units of WIDTHS) {
    it(`forward, ${units} units: matches the JS loop and the composite ops`, () => {
      const rng = new Rng(40 + units);
      const [batch, time, t] = [3, 4, 2];
      const projected = random(rng, batch * time * 4 * units, 6);
      const recurrentPart = random(rng, batch * 4 * units, 2);
      const bias = random(rng, 4 * units, 1);
      const cellPrev = random(rng, batch * units, 1.5);
      const dims = { batch, time, units };
      const heap = onHeap(LSTM_SIMD, [
        [projected, [batch, time, 4 * units]],
        [recurrentPart, [batch, 4 * units]],
        [bias, [4 * units]],
        [cellPrev, [batch, units]],
        [new Float32Array(batch * units), [batch, units]],
        [new Float32Array(batch * units), [batch, units]],
        [new Float32Array(batch * 5 * units), [batch, 5 * units]],
      ]);
      const [, , , , h, c, saved] = heap.views as Float32Array[];
      lstmForwardSimd(
        heap.loops,
        dims,
        t,
        heap.views[0]!,
        heap.views[1]!,
        heap.views[2]!,
        heap.views[3]!,
        h!,
        c!,
        saved!,
      );

      const js = [
        new Float32Array(batch * units),
        new Float32Array(batch * units),
        new Float32Array(batch * 5 * units),
      ] as const;
      lstmGateForwardColumns(dims, t, projected, recurrentPart, bias, cellPrev, js[0], js[1], js[2], 0);
      const composite = tf.tidy(() => {
        const out = compositeGateSteps.forward(
          heap.tensors[0] as tf.Tensor3D,
          heap.tensors[1] as tf.Tensor2D,
          heap.tensors[2] as tf.Tensor1D,
          heap.tensors[3] as tf.Tensor2D,
          t,
        );
        return [out.h, out.c, out.saved].map((x) => x.dataSync() as Float32Array);
      });
      assertAllClose([h!, c!, saved!], { JS: [...js], composite }, TOLERANCE);
      assert.ok(saved!.some((v) => v > 0.99999) && saved!.some((v) => v < 1e-5), 'saturated gates were exercised');
      tf.dispose(heap.tensors);
    });

    for (const first of [false, true]) {
      it(`backward, ${units} units${first ? ', step 0 (no previous cell)' : ''}: matches the JS loop and the composite ops`, () => {
        const rng = new Rng(60 + units);
        const [batch, time] = [3, 4];
        const t = first ? 0 : 2;
        const dims = { batch, time, units };
        // Saved gates in (0, 1), g and tanh c in (-1, 1), as the forward step leaves them.
        const gates = random(rng, batch * 5 * units, 2).map((v, i) =>
          Math.floor(i / units) % 5 === 2 || Math.floor(i / units) % 5 === 4 ? Math.tanh(v) : sigmoid(v),
        );
        const arrays: Array<[Float32Array, number[]]> = [
          [gates, [batch, 5 * units]],
          [random(rng, batch * units, 1.5), [batch, units]],
          [random(rng, batch * time * units, 1), [batch, time, units]],
          [random(rng, batch * units, 1), [batch, units]],
          [random(rng, batch * units, 1), [batch, units]],
          [new Float32Array(batch * 4 * units), [batch, 4 * units]],
          [new Float32Array(batch * units), [batch, units]],
        ];
        const heap = onHeap(LSTM_SIMD, arrays);
        const [saved, cellPrev, dOutputs, dhRecurrent, dcNext, dGates, dcPrev] = heap.views as Float32Array[];
        lstmBackwardSimd(
          heap.loops,
          dims,
          t,
          saved!,
          first ? null : cellPrev!,
          dOutputs!,
          dhRecurrent!,
          dcNext!,
          dGates!,
          dcPrev!,
        );

        const js = [new Float32Array(batch * 4 * units), new Float32Array(batch * units)] as const;
        const plain = arrays.map(([v]) => v);
        lstmGateBackward(dims, t, plain[0]!, first ? null : plain[1]!, plain[2]!, plain[3]!, plain[4]!, js[0], js[1]);
        const composite = tf.tidy(() => {
          const [s, cp, dy, dh, dc] = heap.tensors as [tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor2D, tf.Tensor2D];
          const out = compositeGateSteps.backward(s, first ? null : cp, dy, dh, dc, t);
          return [out.dGates, out.dcPrev].map((x) => x.dataSync() as Float32Array);
        });
        assertAllClose([dGates!, dcPrev!], { JS: [...js], composite }, TOLERANCE);
        if (first)
          for (let b = 0; b < batch; b++)
            assert.ok(
              dGates!.subarray(b * 4 * units + units, b * 4 * units + 2 * units).every((v) => v === 0),
              'forget gate gradient at step 0',
            );
        tf.dispose(heap.tensors);
      });
    }
  }

  it('the wasm kernels find the SIMD loops for the heap they write to', () => {
    const out = tf.tidy(() => {
      const { h } = kernelGateSteps.forward(
        tf.zeros([2, 3, 16]),
        tf.zeros([2, 16]),
        tf.zeros([16]),
        tf.zeros([2, 4]),
        1,
      );
      return tf.keep(h);
    });
    assert.ok(
      LSTM_SIMD.for(heapF32(asWasmBackend(tf.backend()), out).buffer),
      'the kernel ran without registering the heap',
    );
    out.dispose();
  });
});
