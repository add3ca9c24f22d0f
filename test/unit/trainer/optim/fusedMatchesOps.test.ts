/**
 * The fused updates (one pass over each parameter and its slots) against the tf-op updates they
 * replace, on cpu and wasm, for every optimizer and option: 20 steps on random parameters and
 * gradients with a new learning rate every step. Tolerance: none; the fused path does the same
 * float32 operations in the same order, so parameters and slots must be bit-identical.
 */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import type { OptimizerConfig } from '../../../../src/core/config/types';
import type { Param } from '../../../../src/trainer/models/types';
import { type Optimizer, type UpdateMode, createOptimizer } from '../../../../src/trainer/optim';
import { Rng } from '../../../../src/trainer/util/rng';
import { useBackend } from '../helpers';
import { VARIANTS, disposeParams, learningRateAt, maxUlpDifference, randomGrads, randomParams } from './helpers';

const STEPS = 20;
const PROFILED_STEP = 3;

interface Run {
  params: Param[];
  optimizer: Optimizer;
  /** Kernel calls and new tensors of the profiled step's apply. */
  profiled: { kernels: number; newTensors: number } | null;
}

function start(config: OptimizerConfig, updates: UpdateMode): Run {
  const params = randomParams(11);
  return { params, optimizer: createOptimizer(config, params, updates), profiled: null };
}

async function step(run: Run, grads: tf.Tensor[], learningRate: number, profile: boolean): Promise<void> {
  run.optimizer.learningRate = learningRate;
  if (!profile) return tf.tidy(() => run.optimizer.apply(grads));
  const info = await tf.profile(() => tf.tidy(() => run.optimizer.apply(grads)));
  run.profiled = { kernels: info.kernels.length, newTensors: info.newTensors };
}

/** Trains both runs on the same seeded gradients and learning rates. */
async function trainSideBySide(runs: Run[], steps: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  for (let t = 0; t < steps; t++) {
    const lr = learningRateAt(rng);
    const grads = randomGrads(rng);
    for (const run of runs) await step(run, grads, lr, t === PROFILED_STEP);
    tf.dispose(grads);
  }
}

function assertIdentical(actual: Run, expected: Run): void {
  actual.params.forEach((p, i) => {
    const ulps = maxUlpDifference(
      p.variable.dataSync() as Float32Array,
      expected.params[i]!.variable.dataSync() as Float32Array,
    );
    assert.equal(ulps, 0, `${p.name} differs by up to ${ulps} ulp`);
  });
  const a = actual.optimizer.getState();
  const e = expected.optimizer.getState();
  assert.deepEqual(a.state, e.state);
  assert.deepEqual(Object.keys(a.tensors), Object.keys(e.tensors));
  for (const [name, t] of Object.entries(a.tensors)) {
    const ulps = maxUlpDifference(t.data, e.tensors[name]!.data);
    assert.equal(ulps, 0, `slot ${name} differs by up to ${ulps} ulp`);
  }
}

function dispose(...runs: Run[]): void {
  for (const run of runs) {
    run.optimizer.dispose();
    disposeParams(run.params);
  }
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused optimizer updates match the tf-op updates on ${backend}`, () => {
    before(() => useBackend(backend));

    for (const [name, config] of VARIANTS) {
      it(`${name}: ${STEPS} steps, a new learning rate each, bit-identical parameters and slots; no kernels, no tensors`, async () => {
        const fused = start(config, 'fused');
        const ops = start(config, 'ops');
        const initial = fused.params.map((p) => (p.variable.dataSync() as Float32Array).slice());
        await trainSideBySide([fused, ops], STEPS, 5);

        assertIdentical(fused, ops);
        // The comparison means something only if training moved the parameters...
        fused.params.forEach((p, i) =>
          assert.ok(
            maxUlpDifference(p.variable.dataSync() as Float32Array, initial[i]!) > 0,
            `${p.name} never changed`,
          ),
        );
        // ...and if the fused run really took the fused path.
        assert.deepEqual(fused.profiled, { kernels: 0, newTensors: 0 });
        assert.ok(ops.profiled!.kernels >= 2 * fused.params.length, `the op path ran ${ops.profiled!.kernels} kernels`);
        dispose(fused, ops);
      });
    }

    for (const [name, config] of VARIANTS.filter(([, c]) => c.type !== 'sgd')) {
      it(`${name}: state saved by the op path resumes on the fused path bit-identically, leaving the saved arrays alone`, async () => {
        const straight = start(config, 'ops');
        await trainSideBySide([straight], 12, 9);

        const before = start(config, 'ops');
        await trainSideBySide([before], 7, 9);
        const saved = before.optimizer.getState();
        const savedCopies = Object.fromEntries(
          Object.entries(saved.tensors).map(([name, t]) => [name, t.data.slice()]),
        );
        const weights = before.params.map((p) => (p.variable.dataSync() as Float32Array).slice());
        dispose(before);

        const resumed = start(config, 'fused');
        resumed.params.forEach((p, i) => tf.tidy(() => p.variable.assign(tf.tensor(weights[i]!, p.variable.shape))));
        resumed.optimizer.setState(JSON.parse(JSON.stringify(saved.state)), saved.tensors);
        // The same seed replays steps 0-6 first; skip them by drawing the same numbers.
        const rng = new Rng(9);
        for (let t = 0; t < 12; t++) {
          const lr = learningRateAt(rng);
          const grads = randomGrads(rng);
          if (t >= 7) await step(resumed, grads, lr, false);
          tf.dispose(grads);
        }
        assertIdentical(resumed, straight);
        // On cpu the restored slots start out as the checkpoint's own arrays: those must not change.
        for (const [name, t] of Object.entries(saved.tensors))
          assert.equal(maxUlpDifference(t.data, savedCopies[name]!), 0, `checkpoint array ${name} changed`);
        dispose(straight, resumed);
      });
    }
  });
}
