import assert from 'node:assert/strict';
import { metricOf } from '../../../../src/core/checkpoint/retention';

describe('metricOf: the value that ranks a checkpoint', () => {
  it('reads the named metric; only `loss` falls back to the logged training loss', () => {
    assert.equal(metricOf({ metrics: { eval_loss: 0.4, loss: 0.2 }, loss: 0.9 }, 'eval_loss'), 0.4);
    assert.equal(metricOf({ metrics: { loss: 0.2 }, loss: 0.9 }, 'loss'), 0.2);
    assert.equal(metricOf({ metrics: { eval_loss: 0.4 }, loss: 0.9 }, 'loss'), 0.9);
    assert.equal(metricOf({ loss: 0.9 }, 'loss'), 0.9);
    assert.equal(metricOf({ metrics: { loss: null }, loss: 0.7 }, 'loss'), 0.7);
    assert.equal(metricOf({ metrics: { loss: 0.2 }, loss: 0.9 }, 'eval_loss'), null);
    assert.equal(metricOf({ loss: 0.9 }, 'eval_loss'), null);
    assert.equal(metricOf({ metrics: { eval_loss: null }, loss: 0.9 }, 'eval_loss'), null);
  });

  it('a metric that is not a finite number counts as none', () => {
    assert.equal(metricOf({ metrics: { eval_loss: Number.POSITIVE_INFINITY }, loss: 0.9 }, 'eval_loss'), null);
    assert.equal(metricOf({ metrics: { eval_loss: Number.NaN }, loss: 0.9 }, 'eval_loss'), null);
    assert.equal(metricOf({ loss: null }, 'loss'), null);
    assert.equal(metricOf({ loss: Number.NEGATIVE_INFINITY }, 'loss'), null);
    assert.equal(metricOf({ metrics: { acc: 0 }, loss: null }, 'acc'), 0);
  });
});
