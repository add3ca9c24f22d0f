import assert from 'node:assert/strict';
import { parseTrainerCommand, parseTrainerEvent } from '../../../../src/core/protocol/trainerEvents';

describe('trainer protocol', () => {
  it('accepts a well-formed step event', () => {
    const r = parseTrainerEvent({
      type: 'step', step: 3, maxSteps: 10, epoch: 0, loss: 0.5, lr: 0.001,
      examplesPerSec: 100, stepsPerSec: 2, etaSec: 3.5, time: Date.now(),
    });
    assert.equal(r.ok, true);
  });

  it('rejects an unknown type and a wrong field type, saying which field', () => {
    assert.equal(parseTrainerEvent({ type: 'nope' }).ok, false);
    const r = parseTrainerEvent({ type: 'step', step: 'three' });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /step/);
  });

  it('accepts the stop command and nothing else', () => {
    assert.equal(parseTrainerCommand({ type: 'stop' }).ok, true);
    assert.equal(parseTrainerCommand({ type: 'kill' }).ok, false);
    assert.equal(parseTrainerCommand('stop').ok, false);
  });
});
