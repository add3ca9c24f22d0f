/**
 * The GRU gate steps' SIMD loops (float32, on the wasm heap) against the scalar JavaScript loops
 * (double arithmetic on plain arrays) and against composite tf ops, forward and backward, for widths
 * with and without a remainder of 4 and pre-activations up to ±24 (beyond the rational tanh's clamp).
 * Tolerance: 2e-6 absolute (gates, states of magnitude ≤ ~3 and their gradients).
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { compositeGruSteps } from '../../../../src/trainer/accel/fused/gruComposite';
import { gruBackwardA, gruBackwardB, gruForwardA, gruForwardB } from '../../../../src/trainer/accel/fused/gruGateMath';
import {
  GRU_SIMD,
  gruBackwardASimd,
  gruBackwardBSimd,
  gruForwardASimd,
  gruForwardBSimd,
} from '../../../../src/trainer/accel/fused/gruSimd';
import { Rng } from '../../../../src/trainer/util/rng';
import { useBackend } from './rnnCompare';
import { WIDTHS, assertAllClose, onHeap, random, sigmoid } from './rnnSimdHelpers';

const TOLERANCE = 2e-6;
const [BATCH, TIME] = [3, 4];

type T2 = tf.Tensor2D;
const zeros = (n: number): Float32Array => new Float32Array(n);
/** Activated zr as the forward part leaves them: every element in (0, 1). */
const gates = (rng: Rng, n: number): Float32Array => random(rng, n, 2).map(sigmoid);

describe('GRU gate steps: SIMD loops on the wasm heap', () => {
  before(() => useBackend('wasm'));

  for (const u of WIDTHS) {
    const dims = { batch: BATCH, time: TIME, units: u };

    it(`forward parts, ${u} units: match the JS loops and the composite ops`, () => {
      const rng = new Rng(80 + u);
      const t = 2;
      const arrays: Array<[Float32Array, number[]]> = [
        [random(rng, BATCH * TIME * 3 * u, 8), [BATCH, TIME, 3 * u]],
        [random(rng, BATCH * 2 * u, 2), [BATCH, 2 * u]],
        [random(rng, BATCH * u, 2), [BATCH, u]],
        [random(rng, 3 * u, 1), [3 * u]],
        [random(rng, BATCH * u, 1), [BATCH, u]],
        [zeros(BATCH * 2 * u), [BATCH, 2 * u]],
        [zeros(BATCH * u), [BATCH, u]],
        [zeros(BATCH * u), [BATCH, u]],
        [zeros(BATCH * u), [BATCH, u]],
      ];
      const heap = onHeap(GRU_SIMD, arrays);
      const [projected, recZr, recN, bias, hPrev, zr, rh, h, n] = heap.views as Float32Array[];
      gruForwardASimd(heap.loops, dims, t, projected!, recZr!, bias!, hPrev!, zr!, rh!);
      gruForwardBSimd(heap.loops, dims, t, projected!, recN!, bias!, zr!, hPrev!, h!, n!);

      const plain = arrays.map(([v]) => v);
      const js = [zeros(BATCH * 2 * u), zeros(BATCH * u), zeros(BATCH * u), zeros(BATCH * u)];
      gruForwardA(dims, t, plain[0]!, plain[1]!, plain[3]!, plain[4]!, js[0]!, js[1]!);
      gruForwardB(dims, t, plain[0]!, plain[2]!, plain[3]!, js[0]!, plain[4]!, js[2]!, js[3]!);
      const composite = tf.tidy(() => {
        const [p, rz, rn, b, hp] = heap.tensors as [tf.Tensor3D, T2, T2, tf.Tensor1D, T2];
        const a = compositeGruSteps.forwardA(p, rz, b, hp, t);
        const out = compositeGruSteps.forwardB(p, rn, b, a.zr, hp, t);
        return [a.zr, a.resetHidden, out.h, out.candidate].map((x) => x.dataSync() as Float32Array);
      });
      assertAllClose([zr!, rh!, h!, n!], { JS: js, composite }, TOLERANCE);
      assert.ok(
        n!.some((v) => Math.abs(v) > 0.99999),
        'saturated candidates were exercised',
      );
      tf.dispose(heap.tensors);
    });

    for (const first of [false, true]) {
      it(`backward parts, ${u} units${first ? ', step 0 (no previous h)' : ''}: match the JS loops and the composite ops`, () => {
        const rng = new Rng(90 + u);
        const t = first ? 0 : 2;
        const arrays: Array<[Float32Array, number[]]> = [
          [gates(rng, BATCH * 2 * u), [BATCH, 2 * u]],
          [random(rng, BATCH * u, 1).map(Math.tanh), [BATCH, u]],
          [random(rng, BATCH * u, 1), [BATCH, u]],
          [random(rng, BATCH * TIME * u, 1), [BATCH, TIME, u]],
          [random(rng, BATCH * u, 1), [BATCH, u]],
          [random(rng, BATCH * u, 1), [BATCH, u]],
          [random(rng, BATCH * u, 1), [BATCH, u]],
          ...[1, 1, 1, 2, 1].map((k): [Float32Array, number[]] => [zeros(BATCH * k * u), [BATCH, k * u]]),
        ];
        const heap = onHeap(GRU_SIMD, arrays);
        const [zr, n, hPrev, dy, dhR, dhC, dRh, dN, dZ, dhDirect, dGatesZr, dhCarry] = heap.views as Float32Array[];
        const hp = first ? null : hPrev!;
        gruBackwardASimd(heap.loops, dims, t, zr!, n!, hp, dy!, dhR!, dhC!, dN!, dZ!, dhDirect!);
        gruBackwardBSimd(heap.loops, dims, zr!, hp, dRh!, dZ!, dhDirect!, dGatesZr!, dhCarry!);

        const p = arrays.map(([v]) => v);
        const js = [zeros(BATCH * u), zeros(BATCH * u), zeros(BATCH * u), zeros(BATCH * 2 * u), zeros(BATCH * u)];
        const jsHp = first ? null : p[2]!;
        gruBackwardA(dims, t, p[0]!, p[1]!, jsHp, p[3]!, p[4]!, p[5]!, js[0]!, js[1]!, js[2]!);
        gruBackwardB(dims, p[0]!, jsHp, p[6]!, js[1]!, js[2]!, js[3]!, js[4]!);
        const composite = tf.tidy(() => {
          const [zrT, nT, hT, dyT, dhRT, dhCT, dRhT] = heap.tensors as [T2, T2, T2, tf.Tensor3D, T2, T2, T2];
          const a = compositeGruSteps.backwardA(zrT, nT, first ? null : hT, dyT, dhRT, dhCT, t);
          const out = compositeGruSteps.backwardB(zrT, first ? null : hT, dRhT, a.dZ, a.dhDirect);
          return [a.dN, a.dZ, a.dhDirect, out.dGatesZr, out.dhCarry].map((x) => x.dataSync() as Float32Array);
        });
        assertAllClose([dN!, dZ!, dhDirect!, dGatesZr!, dhCarry!], { JS: js, composite }, TOLERANCE);
        tf.dispose(heap.tensors);
      });
    }
  }
});
