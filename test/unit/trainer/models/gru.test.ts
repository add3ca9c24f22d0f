import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fusedGru } from '../../../../src/trainer/accel/fused/gru';
import { compositeGruSteps } from '../../../../src/trainer/accel/fused/gruComposite';
import type { GruGateSteps } from '../../../../src/trainer/accel/fused/gruGateSteps';
import {
  GRU_BACKWARD_A,
  GRU_BACKWARD_B,
  GRU_FORWARD_A,
  GRU_FORWARD_B,
  kernelGruSteps,
} from '../../../../src/trainer/accel/fused/gruKernels';
import { opByOpGru } from './gruReference';
import {
  type Layer,
  SHAPES,
  assertCallsPerStep,
  assertClose,
  dispose,
  lossAndGrads,
  problem,
  useBackend,
} from './rnnCompare';

const withSteps =
  (steps: GruGateSteps): Layer =>
  (seq, w) =>
    fusedGru(seq, w, steps);

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused GRU layer on ${backend}`, function () {
    this.timeout(60000);
    before(() => useBackend(backend));

    SHAPES.forEach((shape, n) => {
      it(`kernels and composite steps match the op-by-op layer: loss and every gradient, ${JSON.stringify(shape)}`, () => {
        const p = problem(shape, 3, 100 + n);
        const reference = lossAndGrads(p, opByOpGru);
        assertClose('kernels', lossAndGrads(p, withSteps(kernelGruSteps)), reference);
        assertClose('composite', lossAndGrads(p, withSteps(compositeGruSteps)), reference);
        assertClose(
          'default for the backend',
          lossAndGrads(p, (s, w) => fusedGru(s, w)),
          reference,
        );
        dispose(p);
      });
    });

    it('per time step: two gate kernels and two matmuls each way, nothing else (no Concat, Unpack, Slice, Transpose)', async () => {
      const gates = { [GRU_FORWARD_A]: 1, [GRU_FORWARD_B]: 1, [GRU_BACKWARD_A]: 1, [GRU_BACKWARD_B]: 1 };
      // Identity: customGrad's save of each step's zr, candidate and h (a reference, no copy, on cpu and wasm).
      await assertCallsPerStep((s, w) => fusedGru(s, w), 3, { ...gates, BatchMatMul: 4, Identity: 3 });
    });

    it('leaks no tensors or backend data, with and without gradients', () => {
      const p = problem({ batch: 2, time: 4, input: 3, units: 5, layers: 2 }, 3, 8);
      const before = tf.memory().numTensors;
      const dataBefore = tf.engine().backend.numDataIds();
      lossAndGrads(p, (s, w) => fusedGru(s, w));
      tf.tidy(() => fusedGru(p.seq, p.weights[0]!).dataSync());
      tf.dispose(fusedGru(p.seq, p.weights[0]!));
      assert.equal(tf.memory().numTensors, before);
      assert.equal(tf.engine().backend.numDataIds(), dataBefore, 'temporaries inside the kernels are freed');
      dispose(p);
    });
  });
}
