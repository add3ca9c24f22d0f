/** The held-out split and the evaluation on it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildDatasets, splitDataset } from '../../../src/trainer/data/split';
import { syntheticClassification, syntheticRegression } from '../../../src/trainer/data/tabular';
import { syntheticText } from '../../../src/trainer/data/text';
import type { Dataset } from '../../../src/trainer/data';
import { evaluateModel } from '../../../src/trainer/loop/evaluate';
import { buildModel } from '../../../src/trainer/models';
import { InputError } from '../../../src/trainer/util/errors';
import { useBackend } from './helpers';

/** Every example's inputs as one string, to compare sets of examples across datasets. */
function examples(data: Dataset): string[] {
  return Array.from({ length: data.size }, (_, i) => Array.from(data.batch([i]).x).join(','));
}

describe('eval_split', () => {
  before(() => useBackend('cpu'));

  it('holds out round(size × fraction) tabular examples, disjoint from training, the same whatever the run seed', () => {
    const whole = syntheticClassification(50, 4, 3, 0.3, 9);
    const { train, eval: held } = splitDataset(whole, 0.2);
    assert.equal(held!.size, 10);
    assert.equal(train.size, 40);
    const trainSet = new Set(examples(train));
    assert.ok(
      examples(held!).every((e) => !trainSet.has(e)),
      'no held-out example is trained on',
    );
    assert.deepEqual(
      new Set([...trainSet, ...examples(held!)]),
      new Set(examples(whole)),
      'together they are the whole data',
    );
    // The split depends on the data config only: building it again gives the same examples.
    const again = buildDatasets(
      { type: 'synthetic_classification', samples: 50, features: 4, classes: 3, noise: 0.3, seed: 9 },
      0.2,
    );
    assert.deepEqual(examples(again.eval!), examples(held!));
    assert.equal(train.kind, 'tabular');
    assert.deepEqual(held!.describe(), { ...whole.describe(), split: 'eval', size: 10 });
  });

  it('text holds out its end, and no training window reaches a held-out character', () => {
    const whole = syntheticText(200, 6, 4);
    const { train, eval: held } = splitDataset(whole, 0.25);
    const heldCount = Math.round(whole.size * 0.25);
    assert.equal(held!.size, heldCount);
    const firstHeld = whole.size - heldCount;
    assert.deepEqual(Array.from(held!.batch([0]).x), Array.from(whole.batch([firstHeld]).x));
    assert.equal(
      train.size,
      firstHeld - 6,
      'the last training window ends just before the first held-out window starts',
    );
    assert.deepEqual(Array.from(train.batch([train.size - 1]).y), Array.from(whole.batch([firstHeld - 7]).y));
  });

  it('refuses a split that leaves nothing to train on, naming eval_split', () => {
    assert.throws(
      () => splitDataset(syntheticClassification(3, 2, 2, 0.1, 1), 0.9),
      (e: unknown) => e instanceof InputError && e.field === 'eval_split' && /lower eval_split/.test(e.message),
    );
    assert.throws(() => splitDataset(syntheticText(20, 6, 1), 0.6), /leaves nothing to train on/);
    assert.equal(
      buildDatasets({ type: 'synthetic_regression', samples: 10, features: 2, noise: 0.1, seed: 1 }, null).eval,
      null,
    );
  });
});

describe('eval_data files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'eval-data-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it("CSV: read with the training CSV's statistics and class order; unknown classes and other columns refused with file and line", () => {
    const train = file('train.csv', 'a,b,label\n0,10,x\n2,10,y\n4,40,z\n');
    const held = file('held.csv', 'a,b,label\n2,25,z\n');
    const { train: t, eval: e } = buildDatasets(
      { type: 'csv', path: train, target: 'label', task: 'classification' },
      null,
      { type: 'csv', path: held, target: 'label', task: 'classification' },
    );
    assert.equal(t.size, 3);
    const batch = e!.batch([0]);
    // Training column a: mean 2, std sqrt(8/3); b: mean 20, std sqrt(200).
    assert.deepEqual(Array.from(batch.x), [Math.fround(0), Math.fround(5 / Math.sqrt(200))]);
    assert.deepEqual(Array.from(batch.y), [0, 0, 1], "class z is the training CSV's third class");
    const unknown = file('unknown.csv', 'a,b,label\n1,1,x\n1,1,w\n');
    assert.throws(
      () =>
        buildDatasets({ type: 'csv', path: train, target: 'label', task: 'classification' }, null, {
          type: 'csv',
          path: unknown,
          target: 'label',
          task: 'classification',
        }),
      (err: unknown) =>
        err instanceof InputError &&
        err.file === unknown &&
        err.line === 3 &&
        /class "w" does not occur in the training CSV/.test(err.message),
    );
    const columns = file('columns.csv', 'b,a,label\n1,1,x\n');
    assert.throws(
      () =>
        buildDatasets({ type: 'csv', path: train, target: 'label', task: 'classification' }, null, {
          type: 'csv',
          path: columns,
          target: 'label',
          task: 'classification',
        }),
      /use the same columns in the same order/,
    );
  });

  it("text: read with the training text's vocabulary; a character it lacks is refused with file and line", () => {
    const train = file('train.txt', 'abcab cabca\nbcabc');
    const held = file('held.txt', 'cab abc cba');
    const { train: t, eval: e } = buildDatasets({ type: 'text', path: train, seq_len: 3 }, null, {
      type: 'text',
      path: held,
      seq_len: 3,
    });
    assert.ok(t.kind === 'text' && e !== null && e.kind === 'text');
    assert.deepEqual(e.vocab, t.vocab);
    assert.equal(e.size, 11 - 3);
    const bad = file('bad.txt', 'abc\nabc\nabd');
    assert.throws(
      () => buildDatasets({ type: 'text', path: train, seq_len: 3 }, null, { type: 'text', path: bad, seq_len: 3 }),
      (err: unknown) =>
        err instanceof InputError &&
        err.file === bad &&
        err.line === 3 &&
        /character "d" does not occur in the training text/.test(err.message),
    );
  });
});

describe('evaluateModel', () => {
  before(() => useBackend('cpu'));

  it('classification: eval_loss is the mean loss over all held-out rows in any batching, eval_accuracy the share of argmax hits', async () => {
    const data = syntheticClassification(23, 4, 3, 0.5, 2);
    const model = buildModel({ type: 'mlp', hidden: [5], activation: 'relu', dropout: 0.3 }, data, 1);
    const all = data.batch(Array.from({ length: data.size }, (_, i) => i));
    const [expectedLoss, logits] = tf.tidy(() => {
      const x = tf.tensor(all.x, all.xShape);
      const loss = model.loss(x, tf.tensor(all.y, all.yShape), { training: false, dropoutSeed: 0 }).dataSync()[0]!;
      return [loss, model.outputs(x, { training: false, dropoutSeed: 0 }).arraySync()] as const;
    });
    const hits = logits.filter(
      (row, r) => row.indexOf(Math.max(...row)) === all.y.subarray(r * 3, r * 3 + 3).indexOf(1),
    ).length;
    for (const batchSize of [4, 23, 64]) {
      const result = await evaluateModel(model, data, batchSize);
      assert.ok(
        Math.abs(result.metrics.eval_loss! - expectedLoss) < 1e-5,
        `batch ${batchSize}: ${result.metrics.eval_loss} vs ${expectedLoss}`,
      );
      assert.equal(result.metrics.eval_accuracy, hits / 23);
      assert.equal(result.examples, 23);
    }
    model.dispose();
  });

  it('regression: eval_loss only (mean squared error), no accuracy', async () => {
    const data = syntheticRegression(9, 3, 0.1, 2);
    const model = buildModel({ type: 'mlp', hidden: [4], activation: 'tanh', dropout: 0 }, data, 1);
    const result = await evaluateModel(model, data, 4);
    assert.equal(result.metrics.eval_accuracy, undefined);
    assert.ok(result.metrics.eval_loss !== null && result.metrics.eval_loss > 0);
    model.dispose();
  });

  it('language models: accuracy over predicted characters', async () => {
    const data = syntheticText(120, 5, 3);
    const model = buildModel(
      { type: 'char_lm', cell: 'gru', embedding_dim: 4, units: 6, layers: 1, dropout: 0.2 },
      data,
      1,
    );
    const result = await evaluateModel(model, data, 16);
    const accuracy = result.metrics.eval_accuracy!;
    assert.ok(accuracy >= 0 && accuracy <= 1);
    assert.ok(
      Number.isInteger(Math.round(accuracy * data.size * 5 * 1e6) / 1e6),
      'a whole number of the size × seq_len predicted characters',
    );
    model.dispose();
  });
});
