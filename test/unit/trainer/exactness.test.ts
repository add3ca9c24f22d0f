/**
 * Exactness: the same config and seed give bit-identical weights, and N steps + snapshot + restore
 * into a fresh session + M steps give weights and optimizer state bit-identical to N+M uninterrupted
 * steps — on cpu and wasm, for every optimizer, with a non-constant scheduler and dropout on.
 */
import assert from 'node:assert/strict';
import type { CheckpointContent } from '../../../src/core/checkpoint/types';
import type { TrainConfig as Config } from '../../../src/core/config/types';
import { TrainingSession } from '../../../src/trainer/loop/session';
import { firstDifference, tinyCharLm, tinyConfig, tinyTransformer, useBackend } from './helpers';

type OptimizerVariant = 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'adamw' | 'rmsprop';
const OPTIMIZERS: OptimizerVariant[] = ['sgd', 'momentum', 'nesterov', 'adam', 'adamw', 'rmsprop'];
const MODELS: Array<[string, Partial<Config>]> = [
  ['mlp', {}],
  ['char_lm gru', tinyCharLm('gru')],
  ['char_lm lstm', tinyCharLm('lstm')],
  ['transformer', tinyTransformer],
];
const N = 4;
const M = 3;

function configFor(model: Partial<Config>, variant: OptimizerVariant): Config {
  const base = tinyConfig(model);
  const type = variant === 'nesterov' ? 'momentum' : variant;
  // Clip on for half of them so the clipping path is covered too.
  const clip_norm = variant === 'adam' || variant === 'momentum' ? 1 : null;
  return {
    ...base,
    max_steps: N + M,
    optimizer: { ...base.optimizer, type, nesterov: variant === 'nesterov', clip_norm },
  };
}

/** What a checkpoint file round trip keeps: JSON for the states, copied arrays for tensors. */
function throughStorage(content: CheckpointContent): CheckpointContent {
  const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  const copy = (m: CheckpointContent['weights']): CheckpointContent['weights'] =>
    Object.fromEntries(Object.entries(m).map(([k, t]) => [k, { ...t, shape: [...t.shape], data: t.data.slice() }]));
  return {
    step: content.step,
    weights: copy(content.weights),
    optimizer: content.optimizer && { state: json(content.optimizer.state), tensors: copy(content.optimizer.tensors) },
    scheduler: content.scheduler && json(content.scheduler),
    trainerState: json(content.trainerState),
  };
}

function train(session: TrainingSession, steps: number): void {
  for (let i = 0; i < steps; i++) session.trainStep();
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`exact resume on ${backend}`, function () {
    before(() => useBackend(backend));

    for (const [modelName, model] of MODELS) {
      for (const variant of OPTIMIZERS) {
        it(`${modelName} + ${variant}: same seed identical, ${N} + resume + ${M} == ${N + M}`, () => {
          const config = configFor(model, variant);
          const straight = TrainingSession.create(config);
          train(straight, N);
          const straightAtN = straight.weights();
          train(straight, M);
          const expected = straight.snapshot();
          straight.dispose();

          const first = TrainingSession.create(config);
          train(first, N);
          assert.equal(
            firstDifference(first.weights(), straightAtN),
            null,
            'same config and seed must give identical weights',
          );
          const saved = throughStorage(first.snapshot());
          first.dispose();

          const resumed = TrainingSession.create(config);
          const report = resumed.restore(saved, { restoreOptimizer: true, restoreScheduler: true });
          assert.deepEqual(report, { restoredOptimizer: true, restoredScheduler: true, warnings: [] });
          train(resumed, M);
          const actual = resumed.snapshot();
          resumed.dispose();

          assert.equal(firstDifference(actual.weights, expected.weights), null, 'weights after resume');
          assert.equal(
            firstDifference(actual.optimizer!.tensors, expected.optimizer!.tensors),
            null,
            'optimizer slots after resume',
          );
          assert.deepEqual(actual.optimizer!.state, expected.optimizer!.state);
          assert.deepEqual(actual.scheduler, expected.scheduler);
          assert.deepEqual(actual.trainerState.data_position, expected.trainerState.data_position);
        });
      }
    }
  });
}

describe('a resume that skips state differs, as it should', () => {
  before(() => useBackend('cpu'));

  it('restore_optimizer_state=false starts the optimizer afresh; restore_scheduler_state=false restarts the schedule', () => {
    const config = configFor({}, 'adam');
    const first = TrainingSession.create(config);
    train(first, N);
    const saved = throughStorage(first.snapshot());
    first.dispose();

    const noOptimizer = TrainingSession.create(config);
    const r1 = noOptimizer.restore(saved, { restoreOptimizer: false, restoreScheduler: true });
    assert.equal(r1.restoredOptimizer, false);
    assert.equal(noOptimizer.optimizerIterations, 0);
    assert.equal(noOptimizer.schedulerStep, N);
    const slots = noOptimizer.snapshot().optimizer!.tensors;
    assert.ok(
      Object.values(slots).every((t) => t.data.every((v) => v === 0)),
      'fresh slots are zero',
    );
    assert.equal(firstDifference(noOptimizer.weights(), saved.weights), null, 'weights are still restored');
    noOptimizer.dispose();

    const noScheduler = TrainingSession.create(config);
    const r2 = noScheduler.restore(saved, { restoreOptimizer: true, restoreScheduler: false });
    assert.equal(r2.restoredScheduler, false);
    assert.equal(noScheduler.schedulerStep, 0);
    assert.equal(noScheduler.optimizerIterations, N);
    assert.equal(noScheduler.globalStep, N, 'the global step still continues');
    assert.notEqual(noScheduler.learningRate, saved.scheduler!.next_lr, 'the LR restarts from the warmup');
    noScheduler.dispose();
  });

  it('a checkpoint without Adam beta powers is refused with a clear error', () => {
    const config = configFor({}, 'adam');
    const first = TrainingSession.create(config);
    train(first, 2);
    const saved = throughStorage(first.snapshot());
    first.dispose();
    saved.optimizer!.state.extra = {};
    const resumed = TrainingSession.create(config);
    assert.throws(() => resumed.restore(saved, { restoreOptimizer: true, restoreScheduler: true }), /accBeta1/);
    resumed.dispose();
  });
});
