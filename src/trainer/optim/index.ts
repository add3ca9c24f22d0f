import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../core/config/types';
import type { Param } from '../models/types';
import { Adam } from './adam';
import { RmsProp } from './rmsprop';
import { Momentum, Sgd } from './sgd';
import type { Optimizer, UpdateMode } from './types';

export type { Optimizer, UpdateMode } from './types';

/** `updates` picks fused or op-by-op updates (fused by default; see UpdateMode). */
export function createOptimizer(config: OptimizerConfig, params: Param[], updates: UpdateMode = 'fused'): Optimizer {
  const lr = config.learning_rate;
  switch (config.type) {
    case 'sgd':
      return new Sgd(params, lr, updates);
    case 'momentum':
      return new Momentum(params, lr, config.momentum, config.nesterov, updates);
    case 'adam':
      return new Adam('adam', params, lr, config.beta1, config.beta2, config.epsilon, 0, updates);
    case 'adamw':
      return new Adam('adamw', params, lr, config.beta1, config.beta2, config.epsilon, config.weight_decay, updates);
    case 'rmsprop':
      return new RmsProp(params, lr, config.rho, config.momentum, config.epsilon, updates);
  }
}

/** Scales gradients so their global L2 norm is at most maxNorm; all in tf ops (no sync, same on resume). */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): tf.Tensor[] {
  return tf.tidy(() => {
    // Added one by one, not with tf.addN: tfjs-backend-webgpu binds every AddN input to one shader,
    // and over the transformer's parameters (on lavapipe) its result was wrong and changed from run
    // to run. The cpu backend's AddN adds in the same order, so its results are unchanged.
    const squares = grads.map((g) => tf.sum(tf.square(g)));
    const norm = tf.sqrt(squares.reduce((total, s) => tf.add(total, s)));
    const scale = tf.div(maxNorm, tf.maximum(norm, maxNorm));
    return grads.map((g) => tf.mul(g, scale));
  });
}
