import assert from 'node:assert/strict';
import { isEvalRow } from '../../../../src/core/metrics/evalRow';

describe('isEvalRow', () => {
  it('is an evaluation row when it has eval_loss and no loss, even a null one', () => {
    assert.equal(isEvalRow({ step: 10, eval_loss: 1.5, eval_examples: 4 }), true);
    assert.equal(isEvalRow({ step: 10, eval_loss: null }), true);
  });

  it('is not a training row, which has loss, with or without eval_loss', () => {
    assert.equal(isEvalRow({ step: 10, loss: 2, lr: 0.1 }), false);
    assert.equal(isEvalRow({ step: 10, loss: 2, eval_loss: 1.5 }), false);
    assert.equal(isEvalRow({ step: 10, loss: null, eval_loss: 1.5 }), false);
  });

  it('is not an event row, nor a row without eval_loss', () => {
    assert.equal(isEvalRow({ event: 'resume', step: 10, eval_loss: 1.5 }), false);
    assert.equal(isEvalRow({ step: 10 }), false);
  });
});
