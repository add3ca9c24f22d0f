import assert from 'node:assert/strict';
import { inferType } from '../../../../src/core/hf/optimizerState';

describe('optimizer type inference from optimizer.pt keys', () => {
  it('slot names decide: Adam/AdamW (with the caveat), RMSprop, Adadelta, SGD momentum, Adagrad', () => {
    const adam = inferType(['exp_avg', 'exp_avg_sq'], { weight_decay: 0.01 });
    assert.equal(adam.type, 'adam/adamw');
    assert.match(adam.note ?? '', /cannot be told/);
    assert.equal(inferType(['square_avg', 'momentum_buffer'], {}).type, 'rmsprop');
    assert.equal(inferType(['square_avg', 'acc_delta'], {}).type, 'adadelta');
    assert.equal(inferType(['momentum_buffer'], {}).type, 'momentum');
    assert.equal(inferType(['sum'], {}).type, 'adagrad');
    assert.equal(inferType(['exp_avg', 'exp_inf'], {}).type, 'adamax');
  });

  it('without slot tensors, the hyper-parameter names decide and say so', () => {
    const sgd = inferType([], { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, params: 2 });
    assert.equal(sgd.type, 'sgd');
    assert.match(sgd.from, /param_groups keys lr, momentum, dampening, nesterov \(no slot tensors in state\)/);
    assert.equal(inferType([], { momentum: 0.9, dampening: 0, nesterov: false }).type, 'momentum');
    assert.equal(inferType([], { betas: '0.9,0.999' }).type, 'adam/adamw');
    assert.equal(inferType(['mystery'], { lr: 1 }).type, 'unknown');
  });
});
