import * as tf from '@tensorflow/tfjs';
import { mixSeed } from '../util/rng';
import { ParamFactory, applyDense, dense, disposeParams, dropout, softmaxCrossEntropy } from './layers';
import type { Model } from './types';

export interface CharLmSpec {
  vocab: number;
  cell: 'gru' | 'lstm';
  embeddingDim: number;
  units: number;
  layers: number;
  dropout: number;
}

interface RecurrentLayer {
  kernel: tf.Variable;
  recurrent: tf.Variable;
  bias: tf.Variable;
}

/**
 * Character LM: one-hot x table (embedding), stacked GRU or LSTM cells unrolled over the sequence,
 * a dense projection to the vocabulary. Input projections for all time steps run as one matmul;
 * only the recurrent part loops.
 */
export function buildCharLm(spec: CharLmSpec, seed: number): Model {
  const f = new ParamFactory(seed);
  const table = f.glorot('embedding/table', spec.vocab, spec.embeddingDim);
  const gates = spec.cell === 'lstm' ? 4 : 3;
  const layers: RecurrentLayer[] = [];
  let width = spec.embeddingDim;
  for (let l = 0; l < spec.layers; l++) {
    const name = `${spec.cell}_${l + 1}`;
    const kernel = f.glorot(`${name}/kernel`, width, gates * spec.units);
    const recurrent = f.glorot(`${name}/recurrent_kernel`, spec.units, gates * spec.units);
    // LSTM forget-gate bias starts at 1 (gate order i, f, g, o), the usual remedy for early vanishing memory.
    const bias = spec.cell === 'lstm' ? lstmBias(f, `${name}/bias`, spec.units) : f.constant(`${name}/bias`, [gates * spec.units], 0);
    layers.push({ kernel, recurrent, bias });
    width = spec.units;
  }
  const output = dense(f, 'output', spec.units, spec.vocab);

  return {
    params: f.params,
    loss(x, y, { training, dropoutSeed }) {
      const [b, t, v] = x.shape as [number, number, number];
      let seq = tf.reshape(tf.matMul(tf.reshape(x, [b * t, v]) as tf.Tensor2D, table as tf.Tensor2D), [b, t, spec.embeddingDim]);
      layers.forEach((layer, l) => {
        seq = runLayer(layer, spec, seq as tf.Tensor3D);
        seq = dropout(seq, spec.dropout, mixSeed(dropoutSeed, l), training);
      });
      const logits = applyDense(output, tf.reshape(seq, [b * t, spec.units]) as tf.Tensor2D);
      return softmaxCrossEntropy(logits, tf.reshape(y, [b * t, v]) as tf.Tensor2D);
    },
    describe: () => ({ type: 'char_lm', ...spec, parameters: f.params.reduce((n, p) => n + p.variable.size, 0) }),
    dispose: () => disposeParams(f.params),
  };
}

function lstmBias(f: ParamFactory, name: string, units: number): tf.Variable {
  const init = new Float32Array(4 * units);
  init.fill(1, units, 2 * units);
  return f.add(name, init, [4 * units]);
}

/** Runs one recurrent layer over [batch, time, in] and returns [batch, time, units]. */
function runLayer(layer: RecurrentLayer, spec: CharLmSpec, seq: tf.Tensor3D): tf.Tensor3D {
  const [b, t, width] = seq.shape;
  const u = spec.units;
  const gates = spec.cell === 'lstm' ? 4 : 3;
  const projected = tf.add(tf.matMul(tf.reshape(seq, [b * t, width]) as tf.Tensor2D, layer.kernel as tf.Tensor2D), layer.bias);
  // split + reshape rather than unstack: wasm's Unpack copies the whole input once per time step.
  const timeMajor = tf.transpose(tf.reshape(projected, [b, t, gates * u]), [1, 0, 2]);
  const steps = tf.split(timeMajor, t, 0).map((s) => tf.reshape(s, [b, gates * u]) as tf.Tensor2D);
  let h: tf.Tensor2D = tf.zeros([b, u]);
  const outputs: tf.Tensor2D[] = [];
  if (spec.cell === 'lstm') {
    let c: tf.Tensor2D = tf.zeros([b, u]);
    for (const xt of steps) {
      const z = tf.add(xt, tf.matMul(h, layer.recurrent as tf.Tensor2D));
      const [i, fg, g, o] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      c = tf.add(tf.mul(tf.sigmoid(fg), c), tf.mul(tf.sigmoid(i), tf.tanh(g)));
      h = tf.mul(tf.sigmoid(o), tf.tanh(c));
      outputs.push(h);
    }
  } else {
    // GRU (update z, reset r, candidate n); the candidate's recurrent weights see r * h.
    const recZr = tf.slice(layer.recurrent, [0, 0], [u, 2 * u]) as tf.Tensor2D;
    const recN = tf.slice(layer.recurrent, [0, 2 * u], [u, u]) as tf.Tensor2D;
    for (const xt of steps) {
      const [xzr, xn] = tf.split(xt, [2 * u, u], 1) as [tf.Tensor2D, tf.Tensor2D];
      const [z, r] = tf.split(tf.sigmoid(tf.add(xzr, tf.matMul(h, recZr))), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const n = tf.tanh(tf.add(xn, tf.matMul(tf.mul(r, h) as tf.Tensor2D, recN)));
      h = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      outputs.push(h);
    }
  }
  return tf.transpose(tf.stack(outputs), [1, 0, 2]) as tf.Tensor3D;
}
