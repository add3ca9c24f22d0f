import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrainerState, readTrainerState } from '../../../../src/core/hf/trainerState';

describe('Hugging Face trainer_state.json parsing', () => {
  it("reads Python's NaN, Infinity and -Infinity as null wherever a value stands, spaced or not", () => {
    const text = `{
      "global_step": 3, "epoch": NaN, "best_metric": -Infinity,
      "log_history": [
        {"step": 1, "loss":Infinity,"learning_rate": 0.1},
        {"step": 2, "loss" : NaN , "eval_loss": 1.5},
        {"step": 3, "loss": 0.25, "x": [NaN,-Infinity, 4]}
      ]
    }`;
    const state = parseTrainerState(text, 'ts.json');
    assert.equal(state.global_step, 3);
    assert.equal(state.epoch, null);
    assert.equal(state.best_metric, null);
    assert.deepEqual(
      state.log_history.map((e) => [e.step, e.loss, e.learning_rate, e.eval_loss]),
      [
        [1, null, 0.1, undefined],
        [2, null, undefined, 1.5],
        [3, 0.25, undefined, undefined],
      ],
    );
    // Fields we do not check pass through untouched (non-finite values inside them too).
    assert.deepEqual(state.log_history[2]!['x'], [null, null, 4]);
  });

  it('leaves the words NaN and Infinity inside strings alone', () => {
    const state = parseTrainerState(
      '{"global_step":1,"best_model_checkpoint":"run: NaN, Infinity]","note":"a,NaN}"}',
      'ts.json',
    );
    assert.equal(state.best_model_checkpoint, 'run: NaN, Infinity]');
    assert.equal(state['note'], 'a,NaN}');
  });

  it('an unclosed string full of escaped quotes fails as not JSON in one pass', () => {
    // Scanning from each escaped quote to the end again would take minutes for this file.
    const text = `{"global_step":1,"s":"${'\\"'.repeat(200_000)}\\`;
    assert.throws(() => parseTrainerState(text, 'c/ts.json'), /^Error: c\/ts\.json: not valid JSON/);
  });

  it('long runs of spaces after ":", "[" and "," are scanned once', () => {
    // Looking back over the spaces from each of them took minutes for this file.
    const spaces = ' '.repeat(1_000_000);
    const text = `{"global_step":${spaces}2,"log_history":[${spaces}{"step":1,"loss":${spaces}NaN},${spaces}{"step":2,"loss":1}]}`;
    const state = parseTrainerState(text, 'ts.json');
    assert.deepEqual(
      state.log_history.map((e) => [e.step, e.loss]),
      [
        [1, null],
        [2, 1],
      ],
    );
  });

  it('an escaped quote does not end a string: a NaN after it, still inside, stays as written', () => {
    const state = parseTrainerState('{"global_step":1,"note":"say \\", NaN, \\" twice","loss":NaN}', 'ts.json');
    assert.equal(state['note'], 'say ", NaN, " twice');
    assert.equal(state['loss'], null);
  });

  it('an unclosed string of escaped quotes that ends in plain text also fails in one pass', () => {
    // Without the match to the end, each escaped quote would start a scan to the end again (minutes).
    const text = `{"global_step":1,"s":"${'\\"'.repeat(200_000)}x`;
    assert.throws(() => parseTrainerState(text, 'c/ts.json'), /^Error: c\/ts\.json: not valid JSON/);
  });

  it('a file holding only an unterminated string is not JSON (not a value of the wrong type)', () => {
    assert.throws(
      () => parseTrainerState('"global_step', 'd/ts.json'),
      /^Error: d\/ts\.json: not valid JSON \(.+\); a truncated save\?/,
    );
  });

  it('a state without log_history has an empty one; unknown fields pass through', () => {
    const state = parseTrainerState('{"global_step":0,"total_flos":12,"stateful_callbacks":{}}', 'ts.json');
    assert.deepEqual(state.log_history, []);
    assert.equal(state['total_flos'], 12);
  });

  it('names the file and the first bad field, "(root)" when the file is not an object', () => {
    assert.throws(
      () => parseTrainerState('{"global_step":1,"log_history":[{"step":1},{"step":-2}]}', 'a/ts.json'),
      (e: Error) => e.message.startsWith('a/ts.json: field "log_history.1.step": '),
    );
    assert.throws(
      () => parseTrainerState('{"global_step":1,"log_history":[{"step":1,"loss":"high"}]}', 'a/ts.json'),
      (e: Error) =>
        e.message === 'a/ts.json: field "log_history.0.loss": Invalid input: expected number, received string',
    );
    assert.throws(
      () => parseTrainerState('{"global_step":1.5}', 'a/ts.json'),
      (e: Error) => e.message.startsWith('a/ts.json: field "global_step": '),
    );
    assert.throws(
      () => parseTrainerState('[]', 'a/ts.json'),
      (e: Error) => e.message.startsWith('a/ts.json: field "(root)": '),
    );
  });

  it('a truncated file is not JSON: named, with what to do', () => {
    assert.throws(
      () => parseTrainerState('{"global_step": 4, "log_hist', 'b/ts.json'),
      /^Error: b\/ts\.json: not valid JSON \(.+\); a truncated save\? Delete the checkpoint or restore the file$/,
    );
  });

  it('reads the file from disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-trainer-state-'));
    try {
      const path = join(dir, 'trainer_state.json');
      writeFileSync(path, '{"global_step":7,"max_steps":10,"log_history":[{"step":7,"loss":NaN}]}');
      const state = await readTrainerState(path);
      assert.deepEqual([state.global_step, state.max_steps, state.log_history[0]!.loss], [7, 10, null]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
