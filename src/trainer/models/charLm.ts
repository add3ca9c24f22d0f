import * as tf from '@tensorflow/tfjs';
import { mixSeed } from '../util/rng';
import { fusedGru, fusedLstm } from '../accel';
import { ParamFactory, applyDense, dense, disposeParams, dropout, taskLoss } from './layers';
import type { ForwardOptions, Model } from './types';

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
 * only the recurrent part loops, each layer as one fused op with its own gradient (fused/lstm.ts, fused/gru.ts).
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
    const bias =
      spec.cell === 'lstm'
        ? lstmBias(f, `${name}/bias`, spec.units)
        : f.constant(`${name}/bias`, [gates * spec.units], 0);
    layers.push({ kernel, recurrent, bias });
    width = spec.units;
  }
  const output = dense(f, 'output', spec.units, spec.vocab);

  const outputs = (x: tf.Tensor, { training, dropoutSeed }: ForwardOptions): tf.Tensor2D => {
    const [b, t, v] = x.shape as [number, number, number];
    let seq = tf.reshape(tf.matMul(tf.reshape(x, [b * t, v]) as tf.Tensor2D, table as tf.Tensor2D), [
      b,
      t,
      spec.embeddingDim,
    ]);
    layers.forEach((layer, l) => {
      seq = runLayer(layer, spec, seq as tf.Tensor3D);
      seq = dropout(seq, spec.dropout, mixSeed(dropoutSeed, l), training);
    });
    return applyDense(output, tf.reshape(seq, [b * t, spec.units]) as tf.Tensor2D);
  };

  return {
    params: f.params,
    task: 'classification',
    outputs,
    loss(x, y, options) {
      const logits = outputs(x, options);
      return taskLoss('classification', logits, tf.reshape(y, logits.shape) as tf.Tensor2D);
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

/** Runs one recurrent layer over [batch, time, in] as one fused op and returns [batch, time, units]. */
function runLayer(layer: RecurrentLayer, spec: CharLmSpec, seq: tf.Tensor3D): tf.Tensor3D {
  const weights = {
    kernel: layer.kernel as tf.Tensor2D,
    recurrent: layer.recurrent as tf.Tensor2D,
    bias: layer.bias as tf.Tensor1D,
  };
  return spec.cell === 'lstm' ? fusedLstm(seq, weights) : fusedGru(seq, weights);
}
