import assert from 'node:assert/strict';
import { editDistance, nearest } from '../../../../src/core/config/suggest';

describe('config: suggestions', () => {
  it('counts an adjacent swap as one edit', () => {
    assert.equal(editDistance('adma', 'adam'), 1);
    assert.equal(editDistance('learnin_rate', 'learning_rate'), 1);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests only plausible typos', () => {
    assert.equal(nearest('save_total_limits', ['save_steps', 'save_total_limit']), 'save_total_limit');
    assert.equal(nearest('Max_Steps', ['max_steps']), 'max_steps');
    assert.equal(nearest('zzzzzzzz', ['name', 'seed', 'model']), undefined);
  });
});
