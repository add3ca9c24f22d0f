import * as tf from '@tensorflow/tfjs';
import type { OptimizerState, TensorMap } from '../../core/checkpoint/types';
import type { Param } from '../models/types';
import { InputError } from '../util/errors';
import { SlotSet } from './slots';
import type { Optimizer } from './types';

/**
 * Adam, and AdamW when weightDecay > 0 with decoupled decay (p -= lr * wd * p, not added to the
 * gradient). The accumulated beta powers are kept as doubles and saved in `extra`, so a resumed
 * run uses exactly the values an uninterrupted one would.
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
  ) {
    this.slots = new SlotSet(params, ['m', 'v']);
  }

  apply(grads: tf.Tensor[]): void {
    this.accBeta1 *= this.beta1;
    this.accBeta2 *= this.beta2;
    const m = this.slots.get('m');
    const v = this.slots.get('v');
    tf.tidy(() => {
      const lr = tf.scalar(this.learningRate);
      const b1 = tf.scalar(this.beta1);
      const b2 = tf.scalar(this.beta2);
      const oneMinusB1 = tf.scalar(1 - this.beta1);
      const oneMinusB2 = tf.scalar(1 - this.beta2);
      const correction1 = tf.scalar(1 - this.accBeta1);
      const correction2 = tf.scalar(1 - this.accBeta2);
      const eps = tf.scalar(this.epsilon);
      const decay = this.type === 'adamw' && this.weightDecay > 0 ? tf.scalar(this.weightDecay) : null;
      this.params.forEach((p, i) => {
        const g = grads[i]!;
        const mNew = tf.add(tf.mul(b1, m[i]!), tf.mul(oneMinusB1, g));
        const vNew = tf.add(tf.mul(b2, v[i]!), tf.mul(oneMinusB2, tf.square(g)));
        m[i]!.assign(mNew);
        v[i]!.assign(vNew);
        let update = tf.div(tf.div(mNew, correction1), tf.add(tf.sqrt(tf.div(vNew, correction2)), eps));
        if (decay) update = tf.add(update, tf.mul(decay, p.variable));
        p.variable.assign(tf.sub(p.variable, tf.mul(lr, update)));
      });
    });
    this.iterations++;
  }

  getState(): { state: OptimizerState; tensors: TensorMap } {
    const { slots, tensors } = this.slots.export();
    return {
      state: {
        type: this.type,
        hyperparameters: { learning_rate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weight_decay: this.type === 'adamw' ? this.weightDecay : 0 },
        iterations: this.iterations,
        slots,
        extra: { accBeta1: this.accBeta1, accBeta2: this.accBeta2 },
      },
      tensors,
    };
  }

  setState(state: OptimizerState, tensors: TensorMap): void {
    const { accBeta1, accBeta2 } = state.extra;
    if (typeof accBeta1 !== 'number' || typeof accBeta2 !== 'number') {
      throw new InputError('the checkpoint\'s Adam state lacks extra.accBeta1/accBeta2; set restore_optimizer_state: false to start the optimizer afresh');
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
