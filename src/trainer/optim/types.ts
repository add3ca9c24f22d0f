import type * as tf from '@tensorflow/tfjs';
import type { OptimizerState, TensorMap } from '../../core/checkpoint/types';

/**
 * Our own optimizers: tf ops (or one fused pass, see UpdateMode) over slot variables we own, in a
 * fixed order (slot kind, then param order). That makes every bit of state visible to save and
 * restore, including Adam's beta powers.
 */
export interface Optimizer {
  readonly type: string;
  /** Set before every step by the scheduler. */
  learningRate: number;
  /** Updates applied so far. */
  readonly iterations: number;
  /** Applies one update; grads[i] belongs to params[i]. */
  apply(grads: tf.Tensor[]): void;
  /** A copy of the state, ready for a checkpoint. */
  getState(): { state: OptimizerState; tensors: TensorMap };
  /** Restores a saved state; throws when it doesn't fit these params. */
  setState(state: OptimizerState, tensors: TensorMap): void;
  dispose(): void;
}

/**
 * How updates run: 'fused' updates each parameter and its slots in one pass over their storage
 * where the backend allows it (cpu, wasm; see directStorage.ts), else with tf ops; 'ops' always
 * uses tf ops (the reference the fused path is tested against).
 */
export type UpdateMode = 'fused' | 'ops';
