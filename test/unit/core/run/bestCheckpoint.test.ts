import assert from 'node:assert/strict';
import { bestCheckpointName, type BestCandidate } from '../../../../src/core/run/index';

const row = (step: number, mtimeMs: number, namesBest: string | null, valid = true): BestCandidate => ({
  name: `checkpoint-${step}`,
  step,
  mtimeMs,
  valid,
  namesBest,
});

describe('best checkpoint (src/core/run)', () => {
  it("takes the best the run's own trainer state names, from its newest save by step", () => {
    // checkpoint-300 is the newest by time (copied back later), but checkpoint-500's state is the newer one.
    assert.equal(
      bestCheckpointName([
        row(300, 9000, 'checkpoint-300'),
        row(500, 2000, 'checkpoint-400'),
        row(400, 1000, 'checkpoint-400'),
      ]),
      'checkpoint-400',
    );
  });

  it('accepts a Hugging Face path (best_model_checkpoint) and skips states that could not be read', () => {
    assert.equal(bestCheckpointName([row(20, 2, null), row(10, 1, 'out/run/checkpoint-10/')]), 'checkpoint-10');
    assert.equal(bestCheckpointName([row(20, 2, 'C:\\runs\\x\\checkpoint-20'), row(10, 1, null)]), 'checkpoint-20');
  });

  it('marks none when no state names one, or the named one is gone or invalid', () => {
    assert.equal(bestCheckpointName([row(20, 2, null), row(10, 1, null)]), null);
    assert.equal(bestCheckpointName([row(20, 2, 'checkpoint-5'), row(10, 1, null)]), null);
    assert.equal(bestCheckpointName([row(20, 2, 'checkpoint-10'), row(10, 1, null, false)]), null);
  });

  it('breaks a tie on step by the newer file', () => {
    assert.equal(
      bestCheckpointName([
        { ...row(10, 1, 'checkpoint-a'), name: 'checkpoint-a' },
        { ...row(10, 5, 'checkpoint-b'), name: 'checkpoint-b' },
      ]),
      'checkpoint-b',
    );
  });
});
