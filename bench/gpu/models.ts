/**
 * The GPU bench's models: the three reference models of bench/training (same shapes, SPECS), plus
 * an MLP big enough that a GPU should win clearly (1024-4096-4096-10, batch 1024: about 130 GFLOP
 * per Adam step). Steps read the loss asynchronously: WebGPU in Node has no synchronous reads.
 */
import * as tf from '@tensorflow/tfjs';
import { buildCharLm } from '../../src/trainer/models/charLm';
import { buildMlp } from '../../src/trainer/models/mlp';
import { buildTransformer } from '../../src/trainer/models/transformer';
import type { Model } from '../../src/trainer/models/types';
import { Adam } from '../../src/trainer/optim/adam';
import { SPECS } from '../training/models';

export const GPU_MODEL_NAMES = ['mlp_4096', 'mlp', 'char_lm', 'transformer'] as const;
export type GpuModelName = (typeof GPU_MODEL_NAMES)[number];

/** Shared with `job("mlp_4096")` in bench/training/torch_models.py: keep both in step. */
export const MLP_4096 = { inputs: 1024, hidden: [4096, 4096], outputs: 10, batch: 1024 } as const;

export const GPU_DESCRIPTIONS: Record<GpuModelName, string> = {
  mlp_4096: 'MLP 1024-4096-4096-10 b1024',
  mlp: 'MLP 784-512-512-10 b128',
  char_lm: 'char LM emb64 LSTM256 seq64 b32',
  transformer: 'transformer 2x d128 h4 ff512 seq64 b32',
};

export interface AsyncTrainable {
  /** One step = forward, backward, Adam update, and reading the loss (as the trainer does). */
  step(): Promise<number>;
  dispose(): void;
}

/** Random inputs and one-hot targets, generated on the device (seeded): uploads stay out of the timing. */
function oneHot(rows: number, classes: number, seed: number, shape: number[]): tf.Tensor {
  return tf.tidy(() =>
    tf
      .oneHot(tf.randomUniform([rows], 0, classes, 'int32', seed), classes)
      .toFloat()
      .reshape(shape),
  );
}

function setUp(name: GpuModelName): { model: Model; x: tf.Tensor; y: tf.Tensor } {
  if (name === 'mlp_4096' || name === 'mlp') {
    const s = name === 'mlp' ? SPECS.mlp : MLP_4096;
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
      x: tf.randomUniform([s.batch, s.inputs], 0, 1, 'float32', 42),
      y: oneHot(s.batch, s.outputs, 43, [s.batch, s.outputs]),
    };
  }
  if (name === 'char_lm') {
    const s = SPECS.char_lm;
    return {
      model: buildCharLm(
        { vocab: s.vocab, cell: 'lstm', embeddingDim: s.embedding, units: s.units, layers: 1, dropout: 0 },
        1,
      ),
      x: oneHot(s.batch * s.seq, s.vocab, 42, [s.batch, s.seq, s.vocab]),
      y: oneHot(s.batch * s.seq, s.vocab, 43, [s.batch, s.seq, s.vocab]),
    };
  }
  const s = SPECS.transformer;
  return {
    model: buildTransformer(
      { vocab: s.vocab, seqLen: s.seq, dModel: s.d, heads: s.heads, ffDim: s.ff, blocks: s.blocks, dropout: 0 },
      1,
    ),
    x: oneHot(s.batch * s.seq, s.vocab, 42, [s.batch, s.seq, s.vocab]),
    y: oneHot(s.batch * s.seq, s.vocab, 43, [s.batch, s.seq, s.vocab]),
  };
}

export function gpuTrainable(name: GpuModelName): AsyncTrainable {
  const { model, x, y } = setUp(name);
  const vars = model.params.map((p) => p.variable);
  const adam = new Adam('adam', model.params, 1e-3, 0.9, 0.999, 1e-7, 0);
  return {
    async step() {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => model.loss(x, y, { training: true, dropoutSeed: 0 }), vars);
        adam.apply(vars.map((v) => grads[v.name]!));
        return value;
      });
      const value = (await loss.data())[0]!;
      loss.dispose();
      return value;
    },
    dispose() {
      model.dispose();
      x.dispose();
      y.dispose();
    },
  };
}
