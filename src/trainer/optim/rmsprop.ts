import * as tf from '@tensorflow/tfjs';
import type { OptimizerState, TensorMap } from '../../core/checkpoint/types';
import type { Param } from '../models/types';
import { rmsPropStep, updateDirectly } from '../accel';
import { SlotSet } from './slots';
import type { Optimizer, UpdateMode } from './types';

/** RMSprop as TensorFlow does it (not centred): ms = rho*ms + (1-rho)*g^2; mom = mu*mom + lr*g/sqrt(ms+eps); p -= mom. */
export class RmsProp implements Optimizer {
  readonly type = 'rmsprop';
  iterations = 0;
  private readonly slots: SlotSet;

  constructor(
    private readonly params: Param[],
    public learningRate: number,
    private readonly rho: number,
    private readonly momentum: number,
    private readonly epsilon: number,
    private readonly updates: UpdateMode = 'fused',
  ) {
    this.slots = new SlotSet(params, ['rms', 'momentum']);
  }

  apply(grads: tf.Tensor[]): void {
    const ms = this.slots.get('rms');
    const mom = this.slots.get('momentum');
    const lrValue = this.learningRate;
    const fused = (i: number): boolean =>
      this.updates === 'fused' &&
      updateDirectly(this.params[i]!.variable, [ms[i]!, mom[i]!], grads[i]!, (g, p, [msi, momi]) =>
        rmsPropStep(lrValue, this.rho, this.momentum, this.epsilon, g, p, msi!, momi!),
      );
    tf.tidy(() => {
      let scalars: ReturnType<typeof this.opScalars> | null = null; // made only if some parameter needs the op path
      this.params.forEach((p, i) => {
        if (fused(i)) return;
        scalars ??= this.opScalars(lrValue);
        const { lr, rho, oneMinusRho, mu, eps } = scalars;
        const g = grads[i]!;
        const msNew = tf.add(tf.mul(rho, ms[i]!), tf.mul(oneMinusRho, tf.square(g)));
        const momNew = tf.add(tf.mul(mu, mom[i]!), tf.div(tf.mul(lr, g), tf.sqrt(tf.add(msNew, eps))));
        ms[i]!.assign(msNew);
        mom[i]!.assign(momNew);
        p.variable.assign(tf.sub(p.variable, momNew));
      });
    });
    this.iterations++;
  }

  private opScalars(lr: number) {
    return {
      lr: tf.scalar(lr),
      rho: tf.scalar(this.rho),
      oneMinusRho: tf.scalar(1 - this.rho),
      mu: tf.scalar(this.momentum),
      eps: tf.scalar(this.epsilon),
    };
  }

  getState(): { state: OptimizerState; tensors: TensorMap } {
    return this.slots.snapshot(
      this.type,
      { learning_rate: this.learningRate, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon },
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
