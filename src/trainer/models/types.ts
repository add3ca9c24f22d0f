import type * as tf from '@tensorflow/tfjs';

/** A trainable tensor with a stable name (the checkpoint key); models list them in a fixed order. */
export interface Param {
  name: string;
  variable: tf.Variable;
}

export interface ForwardOptions {
  training: boolean;
  /** Seed for this step's dropout masks (derived from the run seed and the step, so resume is exact). */
  dropoutSeed: number;
}

export interface Model {
  /** Fixed order: optimizer slots and checkpoint tensors follow it. */
  params: Param[];
  /** Mean loss over the batch, built from tf ops only so gradients flow to params. */
  loss(x: tf.Tensor, y: tf.Tensor, options: ForwardOptions): tf.Scalar;
  describe(): Record<string, unknown>;
  dispose(): void;
}
