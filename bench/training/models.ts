/**
 * The three reference models of the throughput benchmark, built with the trainer's own model code
 * (src/trainer/models) and Adam (src/trainer/optim), fed fixed synthetic batches.
 */
import * as tf from '@tensorflow/tfjs';
import { buildCharLm } from '../../src/trainer/models/charLm';
import { buildMlp } from '../../src/trainer/models/mlp';
import { buildTransformer } from '../../src/trainer/models/transformer';
import type { Model } from '../../src/trainer/models/types';
import { Adam } from '../../src/trainer/optim/adam';

export const MODEL_NAMES = ['mlp', 'char_lm', 'transformer'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Shapes shared with bench/training/torch_models.py: keep both in step. */
export const SPECS = {
  mlp: { inputs: 784, hidden: [512, 512], outputs: 10, batch: 128 },
  char_lm: { vocab: 65, embedding: 64, units: 256, seq: 64, batch: 32 },
  transformer: { vocab: 65, d: 128, heads: 4, ff: 512, blocks: 2, seq: 64, batch: 32 },
} as const;

export const DESCRIPTIONS: Record<ModelName, string> = {
  mlp: 'MLP 784-512-512-10 b128',
  char_lm: 'char LM emb64 LSTM256 seq64 b32',
  transformer: 'transformer 2x d128 h4 ff512 seq64 b32',
};

function oneHot(next: () => number, rows: number, classes: number): Float32Array {
  const data = new Float32Array(rows * classes);
  for (let r = 0; r < rows; r++) data[r * classes + Math.floor(next() * classes)] = 1;
  return data;
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

export interface Trainable {
  step(): number;
  dispose(): void;
}

function batchFor(name: ModelName): { model: Model; x: tf.Tensor; y: tf.Tensor } {
  const next = lcg(42);
  if (name === 'mlp') {
    const s = SPECS.mlp;
    const x = new Float32Array(s.batch * s.inputs).map(() => next());
    return {
      model: buildMlp(
        {
          inputs: s.inputs,
          outputs: s.outputs,
          hidden: [...s.hidden],
          activation: 'relu',
          dropout: 0,
          task: 'classification',
        },
        1,
      ),
      x: tf.tensor(x, [s.batch, s.inputs]),
      y: tf.tensor(oneHot(next, s.batch, s.outputs), [s.batch, s.outputs]),
    };
  }
  if (name === 'char_lm') {
    const s = SPECS.char_lm;
    return {
      model: buildCharLm(
        { vocab: s.vocab, cell: 'lstm', embeddingDim: s.embedding, units: s.units, layers: 1, dropout: 0 },
        1,
      ),
      x: tf.tensor(oneHot(next, s.batch * s.seq, s.vocab), [s.batch, s.seq, s.vocab]),
      y: tf.tensor(oneHot(next, s.batch * s.seq, s.vocab), [s.batch, s.seq, s.vocab]),
    };
  }
  const s = SPECS.transformer;
  return {
    model: buildTransformer(
      { vocab: s.vocab, seqLen: s.seq, dModel: s.d, heads: s.heads, ffDim: s.ff, blocks: s.blocks, dropout: 0 },
      1,
    ),
    x: tf.tensor(oneHot(next, s.batch * s.seq, s.vocab), [s.batch, s.seq, s.vocab]),
    y: tf.tensor(oneHot(next, s.batch * s.seq, s.vocab), [s.batch, s.seq, s.vocab]),
  };
}

/** One training step = forward, backward, Adam update, and reading the loss (as the trainer does). */
export function trainable(name: ModelName): Trainable {
  const { model, x, y } = batchFor(name);
  const vars = model.params.map((p) => p.variable);
  const adam = new Adam('adam', model.params, 1e-3, 0.9, 0.999, 1e-7, 0);
  return {
    step() {
      return tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => model.loss(x, y, { training: true, dropoutSeed: 0 }), vars);
        adam.apply(vars.map((v) => grads[v.name]!));
        return value.dataSync()[0]!;
      });
    },
    dispose() {
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}
