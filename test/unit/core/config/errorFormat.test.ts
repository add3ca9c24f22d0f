import assert from 'node:assert/strict';
import {
  ConfigError,
  describeConfigProblem,
  formatConfigError,
  SET_SOURCE,
  throwAll,
  type ConfigErrorDetail,
} from '../../../../src/core/config/errors';

const error = (detail: Partial<ConfigErrorDetail> & { at?: ConfigErrorDetail['at'] }): ConfigError =>
  new ConfigError({
    kind: 'invalid_value',
    at: { file: '/p/configs/train.yaml', line: 7, column: 3 },
    field: 'optimizer.learning_rate',
    message: '0 is not allowed',
    expected: 'a number > 0',
    ...detail,
  });

describe('config: one-line error format', () => {
  it('carries every detail, exit code 2 and itself as its only issue', () => {
    const e = error({ suggestion: 'use 0.001', at: { file: SET_SOURCE, line: null, column: null, setArg: 'a=1' } });
    assert.equal(e.name, 'ConfigError');
    assert.equal(e.exitCode, 2);
    assert.equal(e.kind, 'invalid_value');
    assert.equal(e.file, SET_SOURCE);
    assert.equal(e.setArg, 'a=1');
    assert.equal(e.suggestion, 'use 0.001');
    assert.deepEqual(e.issues, [e]);
  });

  it('shows the file relative to cwd with line and column, then field, message, expected and fix', () => {
    assert.equal(
      formatConfigError(error({ suggestion: 'use a positive learning rate' }), { cwd: '/p' }),
      'configs/train.yaml:7:3: optimizer.learning_rate: 0 is not allowed; expected a number > 0; use a positive learning rate',
    );
  });

  it('keeps the absolute path outside cwd, and leaves out what is unknown', () => {
    assert.equal(
      formatConfigError(error({}), { cwd: '/q' }),
      '/p/configs/train.yaml:7:3: optimizer.learning_rate: 0 is not allowed; expected a number > 0',
    );
    assert.equal(
      formatConfigError(error({ at: { file: '/p/a.yaml', line: 4, column: null }, field: '', expected: '' }), {
        cwd: '/p',
      }),
      'a.yaml:4: 0 is not allowed',
    );
    assert.equal(
      formatConfigError(error({ at: { file: '/p/a.yaml', line: null, column: null } }), { cwd: '/p' }).split(':')[0],
      'a.yaml',
    );
    // The cwd itself as the file (relative path empty) stays absolute.
    assert.match(formatConfigError(error({ at: { file: '/p', line: null, column: null } }), { cwd: '/p' }), /^\/p: /);
  });

  it('names the --set argument instead of a file', () => {
    const set = { file: SET_SOURCE, line: null, column: null };
    assert.match(formatConfigError(error({ at: { ...set, setArg: 'max_steps=0' } })), /^--set max_steps=0: /);
    assert.match(formatConfigError(error({ at: set })), /^--set: /);
  });

  it('drops the expected list of an unknown key that has a suggestion', () => {
    const typo = error({
      kind: 'unknown_key',
      message: 'unknown key',
      expected: 'one of a, b',
      suggestion: 'did you mean "a"?',
    });
    assert.equal(describeConfigProblem(typo), 'optimizer.learning_rate: unknown key; did you mean "a"?');
    const noHint = error({ kind: 'unknown_key', message: 'unknown key', expected: 'one of a, b' });
    assert.equal(describeConfigProblem(noHint), 'optimizer.learning_rate: unknown key; expected one of a, b');
    const other = error({ suggestion: 'fix it' });
    assert.equal(
      describeConfigProblem(other),
      'optimizer.learning_rate: 0 is not allowed; expected a number > 0; fix it',
    );
  });

  it('throws the first of several errors carrying all of them, and refuses none', () => {
    const [a, b] = [error({ message: 'first' }), error({ message: 'second' })];
    assert.throws(
      () => throwAll([a, b]),
      (thrown: unknown) => thrown === a && a.issues.length === 2 && a.issues[1] === b,
    );
    assert.throws(() => throwAll([]), { message: 'throwAll called without errors' });
  });
});
