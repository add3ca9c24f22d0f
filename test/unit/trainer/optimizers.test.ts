/** Each optimizer against a hand-computed reference update (doubles) on a two-element parameter, two steps. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../../src/core/config/types';
import type { Param } from '../../../src/trainer/models/types';
import { clipByGlobalNorm, createOptimizer } from '../../../src/trainer/optim';
import { useBackend } from './helpers';

const W0 = [0.5, -1.5];
const GRADS = [
  [0.2, -0.4],
  [-0.1, 0.3],
];
const LRS = [0.1, 0.05];
const base: OptimizerConfig = {
  type: 'sgd',
  learning_rate: 0.1,
  momentum: 0.9,
  nesterov: false,
  beta1: 0.9,
  beta2: 0.99,
  epsilon: 1e-6,
  weight_decay: 0.1,
  rho: 0.8,
  clip_norm: null,
};

/** Runs the optimizer for the two gradients above, with the learning rates set before each step. */
function runOptimizer(config: OptimizerConfig): number[] {
  const param: Param = { name: 'w', variable: tf.variable(tf.tensor1d(W0)) };
  const opt = createOptimizer(config, [param]);
  GRADS.forEach((g, i) => {
    opt.learningRate = LRS[i]!;
    tf.tidy(() => opt.apply([tf.tensor1d(g)]));
  });
  const out = Array.from(param.variable.dataSync());
  assert.equal(opt.iterations, 2);
  opt.dispose();
  param.variable.dispose();
  return out;
}

/** Reference in doubles, element by element. */
function reference(
  update: (w: number, g: number, lr: number, state: Record<string, number>, t: number) => number,
): number[] {
  return W0.map((w0, j) => {
    let w = w0;
    const state: Record<string, number> = {};
    GRADS.forEach((g, i) => (w = update(w, g[j]!, LRS[i]!, state, i + 1)));
    return w;
  });
}

function assertClose(actual: number[], expected: number[]): void {
  actual.forEach((a, i) =>
    assert.ok(
      Math.abs(a - expected[i]!) <= 1e-6 * Math.max(1, Math.abs(expected[i]!)),
      `element ${i}: ${a} vs ${expected[i]}`,
    ),
  );
}

describe('optimizers match hand-computed updates', () => {
  before(() => useBackend('cpu'));

  it('sgd', () =>
    assertClose(
      runOptimizer({ ...base, type: 'sgd' }),
      reference((w, g, lr) => w - lr * g),
    ));

  it('momentum', () => {
    const expected = reference((w, g, lr, s) => {
      s.a = 0.9 * (s.a ?? 0) + g;
      return w - lr * s.a;
    });
    assertClose(runOptimizer({ ...base, type: 'momentum' }), expected);
  });

  it('nesterov momentum', () => {
    const expected = reference((w, g, lr, s) => {
      s.a = 0.9 * (s.a ?? 0) + g;
      return w - lr * (g + 0.9 * s.a);
    });
    assertClose(runOptimizer({ ...base, type: 'momentum', nesterov: true }), expected);
  });

  const adam =
    (decay: number) =>
    (w: number, g: number, lr: number, s: Record<string, number>, t: number): number => {
      s.m = 0.9 * (s.m ?? 0) + 0.1 * g;
      s.v = 0.99 * (s.v ?? 0) + 0.01 * g * g;
      const mHat = s.m / (1 - 0.9 ** t);
      const vHat = s.v / (1 - 0.99 ** t);
      return w - lr * (mHat / (Math.sqrt(vHat) + 1e-6) + decay * w);
    };

  it('adam (weight_decay ignored)', () => assertClose(runOptimizer({ ...base, type: 'adam' }), reference(adam(0))));

  it('adamw (decoupled weight decay, scaled by the learning rate)', () =>
    assertClose(runOptimizer({ ...base, type: 'adamw' }), reference(adam(0.1))));

  it('rmsprop', () => {
    const expected = reference((w, g, lr, s) => {
      s.ms = 0.8 * (s.ms ?? 0) + 0.2 * g * g;
      s.mom = 0.9 * (s.mom ?? 0) + (lr * g) / Math.sqrt(s.ms + 1e-6);
      return w - s.mom;
    });
    assertClose(runOptimizer({ ...base, type: 'rmsprop' }), expected);
  });

  it('saves Adam beta powers and slots by variable name, in slot-kind order', () => {
    const params: Param[] = ['a', 'b'].map((name) => ({ name, variable: tf.variable(tf.tensor1d([1, 2])) }));
    const opt = createOptimizer({ ...base, type: 'adam' }, params);
    tf.tidy(() => opt.apply([tf.tensor1d([0.1, 0.2]), tf.tensor1d([0.3, 0.4])]));
    tf.tidy(() => opt.apply([tf.tensor1d([0.1, 0.2]), tf.tensor1d([0.3, 0.4])]));
    const { state, tensors } = opt.getState();
    assert.deepEqual(
      state.slots.map((s) => s.name),
      ['a/m', 'b/m', 'a/v', 'b/v'],
    );
    assert.deepEqual(Object.keys(tensors), ['a/m', 'b/m', 'a/v', 'b/v']);
    assert.equal(state.iterations, 2);
    assert.equal(state.extra.accBeta1, 0.9 * 0.9);
    assert.equal(state.extra.accBeta2, 0.99 * 0.99);
    opt.dispose();
    for (const p of params) p.variable.dispose();
  });

  it('clipByGlobalNorm scales all gradients by one factor only when the norm is too large', () => {
    const grads = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4])]; // global norm 5
    const clipped = clipByGlobalNorm(grads, 1).map((t) => Array.from(t.dataSync()));
    assertClose(clipped.flat(), [0.6, 0, 0, 0.8]);
    const untouched = clipByGlobalNorm(grads, 10).map((t) => Array.from(t.dataSync()));
    assertClose(untouched.flat(), [3, 0, 0, 4]);
    tf.dispose(grads);
  });
});
