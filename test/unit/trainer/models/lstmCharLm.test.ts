import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildCharLm } from '../../../../src/trainer/models/charLm';
import { useBackend } from './rnnCompare';

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`char LM with fused recurrent layers on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const cell of ['lstm', 'gru'] as const) {
      it(`${cell}: trains on sequences of length 1 (the op-by-op layers failed there: tfjs's SplitV gradient with one piece)`, () => {
        const model = buildCharLm({ vocab: 5, cell, embeddingDim: 3, units: 4, layers: 2, dropout: 0.1 }, 1);
        const before = tf.memory().numTensors;
        const grads = tf.tidy(() => {
          const x = tf.oneHot(tf.tensor2d([[1], [3]], [2, 1], 'int32'), 5).toFloat();
          const y = tf.oneHot(tf.tensor2d([[2], [0]], [2, 1], 'int32'), 5).toFloat();
          const { value, grads } = tf.variableGrads(() => model.loss(x, y, { training: true, dropoutSeed: 3 }));
          assert.ok(Number.isFinite(value.dataSync()[0]));
          return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, g.dataSync()]));
        });
        for (const p of model.params) {
          const g = grads[p.variable.name]!;
          assert.ok(g.every(Number.isFinite), p.name);
          // One step from zero state: the recurrent kernels get no gradient; everything else does.
          assert.equal(
            g.some((v) => v !== 0),
            !p.name.endsWith('recurrent_kernel'),
            p.name,
          );
        }
        assert.equal(tf.memory().numTensors, before);
        model.dispose();
      });
    }
  });
}
