import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildDataset } from '../../../src/trainer/data';
import { buildModel } from '../../../src/trainer/models';
import { InputError } from '../../../src/trainer/util/errors';
import { TrainingSession } from '../../../src/trainer/loop/session';
import { tinyCharLm, tinyConfig, tinyTransformer, useBackend } from './helpers';

describe('models', () => {
  it('every parameter has an explicit, stable, unique name independent of what ran before', async () => {
    await useBackend('cpu');
    for (const preset of [tinyCharLm('gru'), tinyCharLm('lstm'), tinyTransformer]) {
      const data = buildDataset(preset.data!);
      const first = buildModel(preset.model!, data, 1);
      const second = buildModel(preset.model!, data, 1);
      const names = first.params.map((p) => p.name);
      assert.deepEqual(
        second.params.map((p) => p.name),
        names,
      );
      assert.equal(new Set(names).size, names.length);
      assert.ok(
        names.every((n) => /^[a-z_0-9/]+$/.test(n)),
        names.join(),
      );
      first.dispose();
      second.dispose();
    }
  });

  it('refuses a model that does not fit the data, naming the field', () => {
    const text = buildDataset({ type: 'synthetic_text', length: 100, seed: 1, seq_len: 4 });
    assert.throws(
      () => buildModel({ type: 'mlp', hidden: [4], activation: 'relu', dropout: 0 }, text, 1),
      (e: unknown) => e instanceof InputError && e.field === 'model.type',
    );
    assert.throws(
      () => buildModel({ type: 'transformer', d_model: 10, heads: 3, ff_dim: 8, blocks: 1, dropout: 0 }, text, 1),
      /divisible/,
    );
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it(`training steps leak no tensors on ${backend} (every model)`, async () => {
      await useBackend(backend);
      for (const preset of [{}, tinyCharLm('gru'), tinyCharLm('lstm'), tinyTransformer]) {
        const session = TrainingSession.create(tinyConfig(preset));
        session.trainStep();
        const after1 = tf.memory().numTensors;
        for (let i = 0; i < 3; i++) session.trainStep();
        session.snapshot();
        assert.equal(tf.memory().numTensors, after1, JSON.stringify(preset.model ?? 'mlp'));
        session.dispose();
      }
      await useBackend('cpu');
    });
  }
});
