import * as tf from '@tensorflow/tfjs';
import type { OptimizerState, TensorMap } from '../../core/checkpoint/types';
import type { Param } from '../models/types';
import { momentumStep, sgdStep, updateDirectly } from '../accel';
import { SlotSet } from './slots';
import type { Optimizer, UpdateMode } from './types';

/** Plain SGD: p -= lr * g. */
export class Sgd implements Optimizer {
  readonly type = 'sgd';
  iterations = 0;
  constructor(
    private readonly params: Param[],
    public learningRate: number,
    private readonly updates: UpdateMode = 'fused',
  ) {}

  apply(grads: tf.Tensor[]): void {
    const lrValue = this.learningRate;
    const fused = (i: number): boolean =>
      this.updates === 'fused' &&
      updateDirectly(this.params[i]!.variable, [], grads[i]!, (g, p) => sgdStep(lrValue, g, p));
    tf.tidy(() => {
      let lr: tf.Scalar | null = null;
      this.params.forEach((p, i) => {
        if (fused(i)) return;
        lr ??= tf.scalar(lrValue);
        p.variable.assign(tf.sub(p.variable, tf.mul(lr, grads[i]!)));
      });
    });
    this.iterations++;
  }

  getState(): { state: OptimizerState; tensors: TensorMap } {
    return {
      state: {
        type: this.type,
        hyperparameters: { learning_rate: this.learningRate },
        iterations: this.iterations,
        slots: [],
        extra: {},
      },
      tensors: {},
    };
  }

  setState(state: OptimizerState): void {
    this.iterations = state.iterations;
  }

  dispose(): void {}
}

/** Heavy-ball momentum as TensorFlow does it: a = mu*a + g; p -= lr*a (Nesterov: p -= lr*(g + mu*a)). */
export class Momentum implements Optimizer {
  readonly type = 'momentum';
  iterations = 0;
  private readonly slots: SlotSet;

  constructor(
    private readonly params: Param[],
    public learningRate: number,
    private readonly momentum: number,
    private readonly nesterov: boolean,
    private readonly updates: UpdateMode = 'fused',
  ) {
    this.slots = new SlotSet(params, ['momentum']);
  }

  apply(grads: tf.Tensor[]): void {
    const acc = this.slots.get('momentum');
    const lrValue = this.learningRate;
    const fused = (i: number): boolean =>
      this.updates === 'fused' &&
      updateDirectly(this.params[i]!.variable, [acc[i]!], grads[i]!, (g, p, [a]) =>
        momentumStep(lrValue, this.momentum, this.nesterov, g, p, a!),
      );
    tf.tidy(() => {
      let scalars: { lr: tf.Scalar; mu: tf.Scalar } | null = null;
      this.params.forEach((p, i) => {
        if (fused(i)) return;
        scalars ??= { lr: tf.scalar(lrValue), mu: tf.scalar(this.momentum) };
        const { lr, mu } = scalars;
        const g = grads[i]!;
        const a = tf.add(tf.mul(mu, acc[i]!), g);
        acc[i]!.assign(a);
        const step = this.nesterov ? tf.add(g, tf.mul(mu, a)) : a;
        p.variable.assign(tf.sub(p.variable, tf.mul(lr, step)));
      });
    });
    this.iterations++;
  }

  getState(): { state: OptimizerState; tensors: TensorMap } {
    return this.slots.snapshot(
      this.type,
      { learning_rate: this.learningRate, momentum: this.momentum, nesterov: this.nesterov },
      this.iterations,
    );
  }

  setState(state: OptimizerState, tensors: TensorMap): void {
    this.slots.import(tensors);
    this.iterations = state.iterations;
  }

  dispose(): void {
    this.slots.dispose();
  }
}
