import * as tf from '@tensorflow/tfjs';
import type { OptimizerState, TensorMap } from '../../core/checkpoint/types';
import type { Param } from '../models/types';
import { InputError } from '../util/errors';
import { type AdamScalars, adamScalars, adamStep, updateDirectly } from '../accel';
import { SlotSet } from './slots';
import type { Optimizer, UpdateMode } from './types';

/**
 * Adam, and AdamW when weightDecay > 0 with decoupled decay (p -= lr * wd * p, not added to the
 * gradient). The accumulated beta powers are kept as doubles and saved in `extra`, so a resumed
 * run uses exactly the values an uninterrupted one would. Updates are fused where the backend allows
 * (fusedUpdates.ts, same float32 maths), else tf ops.
 */
export class Adam implements Optimizer {
  iterations = 0;
  private accBeta1 = 1;
  private accBeta2 = 1;
  private readonly slots: SlotSet;

  constructor(
    readonly type: 'adam' | 'adamw',
    private readonly params: Param[],
    public learningRate: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
    private readonly weightDecay: number,
    private readonly updates: UpdateMode = 'fused',
  ) {
    this.slots = new SlotSet(params, ['m', 'v']);
  }

  apply(grads: tf.Tensor[]): void {
    this.accBeta1 *= this.beta1;
    this.accBeta2 *= this.beta2;
    const m = this.slots.get('m');
    const v = this.slots.get('v');
    const decay = this.type === 'adamw' && this.weightDecay > 0 ? this.weightDecay : null;
    const scalars = adamScalars(
      this.learningRate,
      this.beta1,
      this.beta2,
      this.accBeta1,
      this.accBeta2,
      this.epsilon,
      decay,
    );
    const fused = (i: number): boolean =>
      this.updates === 'fused' &&
      updateDirectly(this.params[i]!.variable, [m[i]!, v[i]!], grads[i]!, (g, p, [mi, vi]) =>
        adamStep(scalars, g, p, mi!, vi!),
      );
    tf.tidy(() => {
      let ops: ReturnType<typeof opScalars> | null = null; // made only if some parameter needs the op path
      this.params.forEach((p, i) => {
        if (fused(i)) return;
        ops ??= opScalars(scalars);
        const g = grads[i]!;
        const mNew = tf.add(tf.mul(ops.b1, m[i]!), tf.mul(ops.oneMinusB1, g));
        const vNew = tf.add(tf.mul(ops.b2, v[i]!), tf.mul(ops.oneMinusB2, tf.square(g)));
        m[i]!.assign(mNew);
        v[i]!.assign(vNew);
        let update = tf.div(tf.div(mNew, ops.correction1), tf.add(tf.sqrt(tf.div(vNew, ops.correction2)), ops.eps));
        if (ops.decay) update = tf.add(update, tf.mul(ops.decay, p.variable));
        p.variable.assign(tf.sub(p.variable, tf.mul(ops.lr, update)));
      });
    });
    this.iterations++;
  }

  getState(): { state: OptimizerState; tensors: TensorMap } {
    const hyperparameters = {
      learning_rate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weight_decay: this.type === 'adamw' ? this.weightDecay : 0,
    };
    return this.slots.snapshot(this.type, hyperparameters, this.iterations, {
      accBeta1: this.accBeta1,
      accBeta2: this.accBeta2,
    });
  }

  setState(state: OptimizerState, tensors: TensorMap): void {
    const { accBeta1, accBeta2 } = state.extra;
    if (typeof accBeta1 !== 'number' || typeof accBeta2 !== 'number') {
      throw new InputError(
        "the checkpoint's Adam state lacks extra.accBeta1/accBeta2; set restore_optimizer_state: false to start the optimizer afresh",
      );
    }
    this.slots.import(tensors);
    this.iterations = state.iterations;
    this.accBeta1 = accBeta1;
    this.accBeta2 = accBeta2;
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/** The op path's scalars: the same float32 values the fused path uses. */
function opScalars(s: AdamScalars) {
  return {
    lr: tf.scalar(s.lr),
    b1: tf.scalar(s.beta1),
    b2: tf.scalar(s.beta2),
    oneMinusB1: tf.scalar(s.oneMinusBeta1),
    oneMinusB2: tf.scalar(s.oneMinusBeta2),
    correction1: tf.scalar(s.correction1),
    correction2: tf.scalar(s.correction2),
    eps: tf.scalar(s.epsilon),
    decay: s.decay === null ? null : tf.scalar(s.decay),
  };
}
