import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fusedLstm } from '../../../../src/trainer/accel/fused/lstm';
import { compositeGateSteps } from '../../../../src/trainer/accel/fused/lstmComposite';
import type { LstmGateSteps } from '../../../../src/trainer/accel/fused/lstmGateSteps';
import {
  LSTM_GATE_BACKWARD,
  LSTM_GATE_FORWARD,
  kernelGateSteps,
} from '../../../../src/trainer/accel/fused/lstmKernels';
import { opByOpLstm } from './lstmReference';
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
  (steps: LstmGateSteps): Layer =>
  (seq, w) =>
    fusedLstm(seq, w, steps);

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused LSTM layer on ${backend}`, function () {
    this.timeout(60000);
    before(() => useBackend(backend));

    SHAPES.forEach((shape, n) => {
      it(`kernels and composite steps match the op-by-op layer: loss and every gradient, ${JSON.stringify(shape)}`, () => {
        const p = problem(shape, 4, 100 + n);
        const reference = lossAndGrads(p, opByOpLstm);
        assertClose('kernels', lossAndGrads(p, withSteps(kernelGateSteps)), reference);
        assertClose('composite', lossAndGrads(p, withSteps(compositeGateSteps)), reference);
        assertClose(
          'default for the backend',
          lossAndGrads(p, (s, w) => fusedLstm(s, w)),
          reference,
        );
        dispose(p);
      });
    });

    it('per time step: one gate kernel and one matmul each way, nothing else (no Concat, Unpack, Slice, Transpose)', async () => {
      // Identity: customGrad's save of each step's saved and c (a reference, no copy, on cpu and wasm).
      await assertCallsPerStep((s, w) => fusedLstm(s, w), 4, {
        [LSTM_GATE_FORWARD]: 1,
        [LSTM_GATE_BACKWARD]: 1,
        BatchMatMul: 2,
        Identity: 2,
      });
    });

    it('leaks no tensors or backend data, with and without gradients', () => {
      const p = problem({ batch: 2, time: 4, input: 3, units: 5, layers: 2 }, 4, 8);
      const before = tf.memory().numTensors;
      const dataBefore = tf.engine().backend.numDataIds();
      lossAndGrads(p, (s, w) => fusedLstm(s, w));
      tf.tidy(() => fusedLstm(p.seq, p.weights[0]!).dataSync());
      tf.dispose(fusedLstm(p.seq, p.weights[0]!));
      assert.equal(tf.memory().numTensors, before);
      assert.equal(tf.engine().backend.numDataIds(), dataBefore, 'temporaries inside the kernels are freed');
      dispose(p);
    });
  });
}
