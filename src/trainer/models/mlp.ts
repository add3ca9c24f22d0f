import * as tf from '@tensorflow/tfjs';
import { mixSeed } from '../util/rng';
import {
  type Activation,
  type Dense,
  ParamFactory,
  activate,
  applyDense,
  dense,
  disposeParams,
  dropout,
  taskLoss,
} from './layers';
import type { ForwardOptions, Model } from './types';

export interface MlpSpec {
  inputs: number;
  outputs: number;
  hidden: number[];
  activation: Activation;
  dropout: number;
  task: 'classification' | 'regression';
}

/** Dense layers dense_1..dense_n then output; softmax cross-entropy or mean squared error. */
export function buildMlp(spec: MlpSpec, seed: number): Model {
  const f = new ParamFactory(seed);
  const layers: Dense[] = [];
  let width = spec.inputs;
  for (let i = 0; i < spec.hidden.length; i++) {
    layers.push(dense(f, `dense_${i + 1}`, width, spec.hidden[i]!));
    width = spec.hidden[i]!;
  }
  const output = dense(f, 'output', width, spec.outputs);
  const outputs = (x: tf.Tensor, { training, dropoutSeed }: ForwardOptions): tf.Tensor2D => {
    let h = x as tf.Tensor2D;
    layers.forEach((layer, i) => {
      h = activate(applyDense(layer, h), spec.activation) as tf.Tensor2D;
      h = dropout(h, spec.dropout, mixSeed(dropoutSeed, i), training) as tf.Tensor2D;
    });
    return applyDense(output, h);
  };
  return {
    params: f.params,
    task: spec.task,
    outputs,
    loss(x, y, options) {
      return taskLoss(spec.task, outputs(x, options), y as tf.Tensor2D);
    },
    describe: () => ({ type: 'mlp', ...spec, parameters: f.params.reduce((n, p) => n + p.variable.size, 0) }),
    dispose: () => disposeParams(f.params),
  };
}
