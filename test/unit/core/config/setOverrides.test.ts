import assert from 'node:assert/strict';
import { ConfigError } from '../../../../src/core/config/errors';
import { pathKey } from '../../../../src/core/config/layer';
import { parseSetArg, setOverridesLayer } from '../../../../src/core/config/setOverrides';

/** The ConfigError `run` throws, its fields as a plain object. */
function errorOf(run: () => unknown) {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    return {
      kind: e.kind,
      file: e.file,
      setArg: e.setArg,
      field: e.field,
      message: e.message,
      expected: e.expected,
      suggestion: e.suggestion,
    };
  }
  assert.fail('no ConfigError');
}

describe('--set overrides', () => {
  it('reads the value as YAML under the dotted key, and records the argument as the origin of each part', () => {
    const layer = parseSetArg('optimizer.betas=[0.9, 0.99]');
    assert.deepEqual(layer.value, { optimizer: { betas: [0.9, 0.99] } });
    assert.deepEqual(
      [...layer.origins.keys()].sort(),
      [
        pathKey(['optimizer']),
        pathKey(['optimizer', 'betas']),
        pathKey(['optimizer', 'betas', 0]),
        pathKey(['optimizer', 'betas', 1]),
      ].sort(),
    );
    for (const origin of layer.origins.values())
      assert.deepEqual(origin.value, {
        file: '--set',
        line: null,
        column: null,
        setArg: 'optimizer.betas=[0.9, 0.99]',
      });
    assert.deepEqual(parseSetArg('scheduler={type: cosine, warmup_steps: 5}').value, {
      scheduler: { type: 'cosine', warmup_steps: 5 },
    });
    assert.ok(
      parseSetArg('scheduler={type: cosine, warmup_steps: 5}').origins.has(pathKey(['scheduler', 'warmup_steps'])),
    );
    assert.deepEqual(parseSetArg(' save_total_limit =null').value, { save_total_limit: null });
    assert.deepEqual(parseSetArg('note=a=b').value, { note: 'a=b' });
    assert.deepEqual(parseSetArg('my-key_2=3e-4').value, { 'my-key_2': 3e-4 });
  });

  it('all --set arguments form one layer, later ones winning and maps merging', () => {
    const layer = setOverridesLayer([
      'optimizer.learning_rate=0.1',
      'optimizer.type=sgd',
      'optimizer.learning_rate=0.2',
      'seed=3',
    ]);
    assert.deepEqual(layer.value, { optimizer: { learning_rate: 0.2, type: 'sgd' }, seed: 3 });
    assert.equal(
      layer.origins.get(pathKey(['optimizer', 'learning_rate']))?.value.setArg,
      'optimizer.learning_rate=0.2',
    );
    assert.deepEqual(setOverridesLayer([]).value, {});
  });

  it('names what is wrong with a bad argument and how to write it', () => {
    const expected = 'key.path=value, e.g. --set optimizer.learning_rate=3e-4';
    assert.deepEqual(
      errorOf(() => parseSetArg('seed')),
      {
        kind: 'set_syntax',
        file: '--set',
        setArg: 'seed',
        field: '',
        message: 'missing "="',
        expected,
        suggestion: undefined,
      },
    );
    for (const key of ['1seed', 'a..b', 'a.', '.a', 'a b', 'a.2']) {
      assert.deepEqual(
        errorOf(() => parseSetArg(`${key}=1`)),
        {
          kind: 'set_syntax',
          file: '--set',
          setArg: `${key}=1`,
          field: key.trim(),
          message: 'not a dotted key path',
          expected,
          suggestion: undefined,
        },
        key,
      );
    }
    assert.deepEqual(
      errorOf(() => parseSetArg('extends.x=base.yaml')),
      {
        kind: 'set_syntax',
        file: '--set',
        setArg: 'extends.x=base.yaml',
        field: 'extends',
        message: 'extends cannot be overridden from the command line',
        expected: 'a key of the training config',
        suggestion: 'name the config that extends the other one with -t instead',
      },
    );
    const bad = errorOf(() => parseSetArg('data.path=a: b: c'));
    assert.equal(bad.field, 'data.path');
    assert.match(bad.message, /^value is not valid YAML \([^\n]+\)$/);
    assert.equal(bad.expected, 'a YAML value: 500, 3e-4, true, null, [64, 64], {type: sgd} or a path');
    assert.equal(bad.suggestion, 'quote the value if it contains ":" or "#"');
  });
});
