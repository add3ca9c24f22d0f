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
  /** classification: outputs are logits over classes (characters for the language models); regression: the predicted values. */
  task: 'classification' | 'regression';
  /** The forward pass the loss is computed from, as [rows, outputs] (a text batch's rows are its positions). */
  outputs(x: tf.Tensor, options: ForwardOptions): tf.Tensor2D;
  describe(): Record<string, unknown>;
  dispose(): void;
}
