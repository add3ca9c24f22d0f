import * as tf from '@tensorflow/tfjs';
import type { OptimizerState, TensorMap } from '../../core/checkpoint/types';
import type { Param } from '../models/types';
import { InputError } from '../util/errors';
import { valuesCopy } from '../accel';

/** Slot variables per kind (e.g. m, v), one per param, zero-initialised, in param order. */
export class SlotSet {
  readonly slots = new Map<string, tf.Variable[]>();

  constructor(
    readonly params: Param[],
    kinds: string[],
  ) {
    for (const kind of kinds)
      this.slots.set(
        kind,
        params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false))),
      );
  }

  get(kind: string): tf.Variable[] {
    const s = this.slots.get(kind);
    if (!s) throw new Error(`no slot kind ${kind}`);
    return s;
  }

  /** An optimizer's state for a checkpoint: its scalars as given, with copies of the slots. */
  snapshot(
    type: string,
    hyperparameters: OptimizerState['hyperparameters'],
    iterations: number,
    extra: OptimizerState['extra'] = {},
  ): { state: OptimizerState; tensors: TensorMap } {
    const { slots, tensors } = this.export();
    return { state: { type, hyperparameters, iterations, slots, extra }, tensors };
  }

  /** Copies slot values out (copies: slots may be updated in place later): kinds in order, then params in order. */
  private export(): { slots: OptimizerState['slots']; tensors: TensorMap } {
    const slots: OptimizerState['slots'] = [];
    const tensors: TensorMap = {};
    for (const [kind, vars] of this.slots) {
      vars.forEach((v, i) => {
        const variable = this.params[i]!.name;
        const name = `${variable}/${kind}`;
        slots.push({ name, variable, slot: kind });
        tensors[name] = { dtype: 'float32', shape: [...v.shape], data: valuesCopy(v) };
      });
    }
    return { slots, tensors };
  }

  /** Restores by name: every slot this optimizer needs must be present with the param's shape. */
  import(tensors: TensorMap): void {
    for (const [kind, vars] of this.slots) {
      vars.forEach((v, i) => {
        const name = `${this.params[i]!.name}/${kind}`;
        const entry = tensors[name];
        if (!entry)
          throw new InputError(
            `the checkpoint's optimizer state has no slot ${name}; it was saved by another model or optimizer (set restore_optimizer_state: false to start the optimizer afresh)`,
          );
        if (entry.shape.join(',') !== v.shape.join(',')) {
          throw new InputError(
            `optimizer slot ${name} has shape [${entry.shape}] in the checkpoint but [${v.shape}] in this model`,
          );
        }
        tf.tidy(() => v.assign(tf.tensor(entry.data, entry.shape, 'float32')));
      });
    }
  }

  dispose(): void {
    for (const vars of this.slots.values()) for (const v of vars) v.dispose();
  }
}
