import assert from 'node:assert/strict';
import {
  parseOptimizerState,
  parseSchedulerState,
  parseTrainerState,
} from '../../../../src/core/checkpoint/stateSchemas';

const optimizer = {
  type: 'adam',
  hyperparameters: { learning_rate: 0.001, amsgrad: false, name: 'adam', clipnorm: null },
  iterations: 12,
  slots: [{ name: 'dense/kernel/m', variable: 'dense/kernel', slot: 'm' }],
  extra: { beta1_power: 0.9 },
};
const scheduler = {
  type: 'linear',
  config: { warmup_steps: 10, kind: 'linear', end: null },
  step: 12,
  last_lr: 0.001,
  next_lr: 0.0009,
};
const trainer = {
  global_step: 12,
  epoch: 0.5,
  data_position: { batch: 3 },
  rng: { seed: 1 },
  loss: 0.25,
  best_metric_name: 'loss',
  best_metric: 0.25,
  best_checkpoint: 'checkpoint-12',
  greater_is_better: false,
  metrics: { eval_loss: 0.3, eval_accuracy: null },
};

/** The same object with one field replaced (or removed when `value` is undefined). */
function withField(base: object, field: string, value: unknown): string {
  const copy: Record<string, unknown> = { ...base };
  if (value === undefined) delete copy[field];
  else copy[field] = value;
  return JSON.stringify(copy);
}

describe('checkpoint state files: every field read back as written, a bad one named', () => {
  it('valid optimizer, scheduler and trainer states come back whole', () => {
    assert.deepEqual(parseOptimizerState(JSON.stringify(optimizer), 'optimizer.json'), optimizer);
    assert.deepEqual(parseSchedulerState(JSON.stringify(scheduler), 'scheduler.json'), scheduler);
    assert.deepEqual(parseTrainerState(JSON.stringify(trainer), 'trainer_state.json'), trainer);
  });

  it('trainer state keeps fields it does not know (written by a newer trainer) and may lack metrics', () => {
    const newer = { ...trainer, future_field: [1, 2] };
    assert.deepEqual(parseTrainerState(JSON.stringify(newer), 't.json'), newer);
    const { metrics: _metrics, ...older } = trainer;
    assert.deepEqual(parseTrainerState(JSON.stringify(older), 't.json'), older);
  });

  const bad: Array<[string, (text: string, label: string) => unknown, object, string, unknown, RegExp]> = [
    ['optimizer type', parseOptimizerState, optimizer, 'type', 3, /^o\.json: field "type": /],
    [
      'optimizer hyperparameter',
      parseOptimizerState,
      optimizer,
      'hyperparameters',
      { lr: [1] },
      /^o\.json: field "hyperparameters\.lr": /,
    ],
    [
      'optimizer iterations negative',
      parseOptimizerState,
      optimizer,
      'iterations',
      -1,
      /^o\.json: field "iterations": /,
    ],
    [
      'optimizer iterations fractional',
      parseOptimizerState,
      optimizer,
      'iterations',
      1.5,
      /^o\.json: field "iterations": /,
    ],
    [
      'optimizer slot',
      parseOptimizerState,
      optimizer,
      'slots',
      [{ name: 'a', variable: 'b' }],
      /^o\.json: field "slots\.0\.slot": /,
    ],
    [
      'optimizer extra',
      parseOptimizerState,
      optimizer,
      'extra',
      { beta1_power: 'x' },
      /^o\.json: field "extra\.beta1_power": /,
    ],
    ['scheduler type missing', parseSchedulerState, scheduler, 'type', undefined, /^s\.json: field "type": /],
    [
      'scheduler config',
      parseSchedulerState,
      scheduler,
      'config',
      { warmup_steps: true },
      /^s\.json: field "config\.warmup_steps": /,
    ],
    ['scheduler step', parseSchedulerState, scheduler, 'step', -2, /^s\.json: field "step": /],
    ['scheduler last_lr', parseSchedulerState, scheduler, 'last_lr', null, /^s\.json: field "last_lr": /],
    ['scheduler next_lr', parseSchedulerState, scheduler, 'next_lr', 'soon', /^s\.json: field "next_lr": /],
    ['trainer global_step', parseTrainerState, trainer, 'global_step', 2.5, /^t\.json: field "global_step": /],
    ['trainer global_step negative', parseTrainerState, trainer, 'global_step', -1, /^t\.json: field "global_step": /],
    ['trainer epoch', parseTrainerState, trainer, 'epoch', '1', /^t\.json: field "epoch": /],
    ['trainer data_position', parseTrainerState, trainer, 'data_position', 3, /^t\.json: field "data_position": /],
    ['trainer rng', parseTrainerState, trainer, 'rng', undefined, /^t\.json: field "rng": /],
    ['trainer loss', parseTrainerState, trainer, 'loss', 'low', /^t\.json: field "loss": /],
    [
      'trainer best_metric_name',
      parseTrainerState,
      trainer,
      'best_metric_name',
      1,
      /^t\.json: field "best_metric_name": /,
    ],
    ['trainer best_metric', parseTrainerState, trainer, 'best_metric', 'x', /^t\.json: field "best_metric": /],
    [
      'trainer best_checkpoint',
      parseTrainerState,
      trainer,
      'best_checkpoint',
      5,
      /^t\.json: field "best_checkpoint": /,
    ],
    [
      'trainer greater_is_better',
      parseTrainerState,
      trainer,
      'greater_is_better',
      'no',
      /^t\.json: field "greater_is_better": /,
    ],
    [
      'trainer metrics',
      parseTrainerState,
      trainer,
      'metrics',
      { eval_loss: 'x' },
      /^t\.json: field "metrics\.eval_loss": /,
    ],
  ];
  for (const [what, parse, base, field, value, message] of bad) {
    it(`rejects a bad ${what}, naming the file and the field`, () => {
      const label = message.source.slice(1, 2) + '.json';
      assert.throws(() => parse(withField(base, field, value), label), { message });
    });
  }

  it("the message says what was wrong with the field, in the schema's words", () => {
    assert.throws(() => parseOptimizerState(withField(optimizer, 'type', 3), 'o.json'), {
      message: /^o\.json: field "type": .*expected string, received number$/,
    });
  });

  it('a state that is not an object is named as a bad "(root)", and bad JSON as not valid JSON', () => {
    assert.throws(() => parseTrainerState('[1]', 't.json'), { message: /^t\.json: field "\(root\)": / });
    assert.throws(() => parseOptimizerState('null', 'o.json'), { message: /^o\.json: field "\(root\)": / });
    assert.throws(() => parseSchedulerState('{', 's.json'), { message: /^s\.json: not valid JSON/ });
  });
});
