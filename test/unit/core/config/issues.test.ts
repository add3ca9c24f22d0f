import assert from 'node:assert/strict';
import * as z from 'zod';
import type { ConfigError } from '../../../../src/core/config/errors';
import { describeValue, issuesToErrors } from '../../../../src/core/config/issues';
import { parseYamlLayer } from '../../../../src/core/config/yamlFile';

const FILE = '/p/train.yaml';
const fallback = { file: FILE, line: 1, column: 1 };

// A small schema with the real section names, so the section hints apply.
const adam = z.strictObject({ type: z.literal('adam'), learning_rate: z.number().positive(), beta1: z.number() });
const sgd = z.strictObject({ type: z.literal('sgd'), learning_rate: z.number().positive(), momentum: z.number() });
const nesterov = z.strictObject({ type: z.literal('nesterov'), learning_rate: z.number(), momentum: z.number() });
const schema = z.strictObject({
  max_steps: z.number().int().min(1),
  batch_size: z.number().int().min(1).default(32),
  save_total_limit: z.number().int().min(1).nullable().default(null),
  task: z.enum(['regression', 'classification']).default('regression'),
  optimizer: z.discriminatedUnion('type', [adam, sgd, nesterov]),
  model: z.strictObject({ hidden: z.array(z.number().int().min(1)).default([8]) }).prefault({}),
  launcher: z
    .strictObject({ extra_args: z.array(z.string()).default([]) })
    .prefault({})
    .superRefine((launcher, ctx) => {
      launcher.extra_args.forEach((arg, i) => {
        if (arg.startsWith('--signal'))
          ctx.addIssue({
            code: 'custom',
            path: ['extra_args', i],
            message: 'sets the signal; expected other sbatch options',
          });
        if (arg === 'plain') ctx.addIssue({ code: 'custom', path: ['extra_args', i], message: 'not an option' });
      });
    }),
});

function errorsFor(yaml: string): ConfigError[] {
  const { value, origins } = parseYamlLayer(yaml, FILE);
  const parsed = schema.safeParse(value);
  assert.equal(parsed.success, false, 'the config should not pass the schema');
  return issuesToErrors(parsed.error!.issues, { schema, merged: value, origins, fallback });
}
const only = (yaml: string): ConfigError => {
  const errors = errorsFor(yaml);
  assert.equal(errors.length, 1, errors.map((e) => `${e.field}: ${e.message}`).join('\n'));
  return errors[0]!;
};
const OPT = 'optimizer: {type: adam, learning_rate: 0.1, beta1: 0.9}\n';

describe('config: zod issues to config errors', () => {
  describe('unknown keys', () => {
    it('suggests the nearest valid key and points at the key', () => {
      const error = only(`${OPT}max_steps: 5\n  \nbatch_sise: 4\n`);
      assert.equal(error.kind, 'unknown_key');
      assert.equal(error.field, 'batch_sise');
      assert.equal(error.message, 'unknown key');
      assert.equal(error.suggestion, 'did you mean "batch_size"?');
      assert.equal(error.expected, 'one of max_steps, batch_size, save_total_limit, task, optimizer, model, launcher');
      assert.deepEqual([error.line, error.column], [4, 1]);
    });

    it('points a stray top-level key to the section it belongs under', () => {
      const error = only(`${OPT}max_steps: 5\nhidden: [4]\n`);
      assert.equal(error.message, 'unknown top-level key');
      assert.equal(error.suggestion, 'did you mean model.hidden? move it under "model:"');
      const union = only(`${OPT}max_steps: 5\nmomentum: 0.9\n`);
      assert.equal(union.suggestion, 'did you mean optimizer.momentum? move it under "optimizer:"');
    });

    it('names the other variants that own a key of the section', () => {
      const error = only(
        'max_steps: 5\noptimizer:\n  type: adam\n  learning_rate: 0.1\n  beta1: 0.9\n  momentum: 0.9\n',
      );
      assert.equal(error.field, 'optimizer.momentum');
      assert.equal(error.message, 'not a field of optimizer type "adam"');
      assert.equal(error.expected, 'one of type, learning_rate, beta1');
      assert.equal(
        error.suggestion,
        '"momentum" belongs to optimizer type "sgd" or "nesterov": change optimizer.type or remove momentum',
      );
      assert.deepEqual([error.line, error.column], [6, 3]);
    });

    it('says only "unknown key" for a key no variant or section knows', () => {
      const nested = only('max_steps: 5\noptimizer: {type: adam, learning_rate: 0.1, beta1: 0.9, zzzzzz: 1}\n');
      assert.equal(nested.message, 'unknown key');
      assert.equal(nested.suggestion, undefined);
      const top = only(`${OPT}max_steps: 5\nzzzzzz: 1\n`);
      assert.equal(top.message, 'unknown key');
      assert.equal(top.suggestion, undefined);
    });

    it('reports each unknown key of one map', () => {
      const errors = errorsFor(`${OPT}max_steps: 5\nzzzzzz: 1\nyyyyyy: 2\n`);
      assert.deepEqual(
        errors.map((e) => e.field),
        ['zzzzzz', 'yyyyyy'],
      );
    });
  });

  describe('missing values', () => {
    it('names the top-level field and points at the fallback position', () => {
      const error = only(OPT);
      assert.equal(error.kind, 'missing');
      assert.equal(error.field, 'max_steps');
      assert.equal(error.message, 'missing (the config needs max_steps)');
      assert.equal(error.expected, 'a whole number ≥ 1');
      assert.equal(error.suggestion, 'add max_steps: to the config');
      assert.deepEqual([error.file, error.line, error.column], [FILE, 1, 1]);
    });

    it('names the section that needs a field and points at its key', () => {
      const error = only('max_steps: 5\n\noptimizer:   {type: adam, beta1: 0.9}\n');
      assert.equal(error.field, 'optimizer.learning_rate');
      assert.equal(error.message, 'missing (optimizer needs learning_rate)');
      assert.equal(error.expected, 'a number > 0');
      assert.equal(error.suggestion, 'add learning_rate: to optimizer');
      assert.deepEqual([error.line, error.column], [3, 1]);
    });

    it('asks for the type of a section without one', () => {
      const error = only('max_steps: 5\noptimizer: {learning_rate: 0.1}\n');
      assert.equal(error.field, 'optimizer.type');
      assert.equal(error.suggestion, 'add "type:" to optimizer');
    });
  });

  describe('unknown section types', () => {
    it('lists the types and suggests the nearest', () => {
      const error = only('max_steps: 5\noptimizer:\n  type:   adma\n');
      assert.equal(error.kind, 'invalid_value');
      assert.equal(error.field, 'optimizer.type');
      assert.equal(error.message, 'unknown type "adma"');
      assert.equal(error.expected, 'one of "adam" | "sgd" | "nesterov"');
      assert.equal(error.suggestion, 'did you mean "adam"?');
      assert.deepEqual([error.line, error.column], [3, 11]);
    });

    it('suggests nothing for a type that is not a string', () => {
      const error = only('max_steps: 5\noptimizer: {type: 7}\n');
      assert.equal(error.message, 'unknown type 7');
      assert.equal(error.suggestion, undefined);
    });
  });

  describe('wrong types', () => {
    it('describes the value found and what was expected, at the value', () => {
      const error = only(`${OPT}max_steps:    true\n`);
      assert.equal(error.kind, 'wrong_type');
      assert.equal(error.message, 'got true');
      assert.equal(error.expected, 'a whole number ≥ 1');
      assert.equal(error.suggestion, 'use the total number of steps to train, e.g. 500');
      assert.deepEqual([error.line, error.column], [2, 15]);
    });

    it('asks for a number without quotes', () => {
      for (const text of ['"500"', '"-5"', '"+1e3"', '"10 steps"']) {
        const error = only(`${OPT}max_steps: ${text}\n`);
        assert.equal(error.message, `got the string ${text}`);
        assert.equal(error.suggestion, 'write the number without quotes or units');
      }
      // Not number-like: the field's own fix.
      assert.equal(only(`${OPT}max_steps: "many"\n`).suggestion, 'use the total number of steps to train, e.g. 500');
    });

    it('asks for a section written as its type to be a map', () => {
      const error = only('max_steps: 5\noptimizer: adam\n');
      assert.equal(error.message, 'got the string "adam"');
      assert.equal(error.expected, 'a map with type: "adam" | "sgd" | "nesterov"');
      assert.equal(error.suggestion, 'write it as a map: "optimizer: {type: adam}"');
      // A section given a number gets no such hint.
      assert.equal(only('max_steps: 5\noptimizer: 3\n').suggestion, undefined);
    });

    it("falls back to the field's own fix", () => {
      const error = only(`${OPT}max_steps: 5\nsave_total_limit: [1]\n`);
      assert.equal(error.message, 'got a list');
      assert.equal(error.expected, 'a whole number ≥ 1, or null');
      assert.equal(error.suggestion, 'use null to keep every checkpoint, or a limit of at least 1');
      assert.equal(only(`${OPT}max_steps: {a: 1}\n`).message, 'got a map');
    });
  });

  describe('values out of range', () => {
    it('suggests the nearest allowed word', () => {
      const error = only(`${OPT}max_steps: 5\ntask: regresion\n`);
      assert.equal(error.kind, 'invalid_value');
      assert.equal(error.message, '"regresion" is not allowed');
      assert.equal(error.expected, 'one of "regression" | "classification"');
      assert.equal(error.suggestion, 'did you mean "regression"?');
      assert.equal(only(`${OPT}max_steps: 5\ntask: qqqqqqqqq\n`).suggestion, undefined);
    });

    it("describes a number out of range with the field's fix", () => {
      const error = only(`${OPT}max_steps: 5\nbatch_size: 0\n`);
      assert.equal(error.message, '0 is not allowed');
      assert.equal(error.expected, 'a whole number ≥ 1');
      assert.equal(error.suggestion, 'use at least 1 example per step, e.g. 32');
      const negative = only('max_steps: 5\noptimizer: {type: sgd, learning_rate: -1, momentum: 0}\n');
      assert.equal(negative.field, 'optimizer.learning_rate');
      assert.equal(negative.suggestion, 'use a positive learning rate such as 0.001');
      const listItem = only(`${OPT}max_steps: 5\nmodel: {hidden: [4, 0]}\n`);
      assert.equal(listItem.field, 'model.hidden.1');
      assert.equal(listItem.suggestion, undefined);
    });
  });

  describe('cross-field checks', () => {
    it('splits "what; expected what" and finds the fix of a list item by its generic path', () => {
      const error = only(`${OPT}max_steps: 5\nlauncher:\n  extra_args: [--mem=1G, --signal=USR1]\n`);
      assert.equal(error.kind, 'invalid_value');
      assert.equal(error.field, 'launcher.extra_args.1');
      assert.equal(error.message, 'sets the signal');
      assert.equal(error.expected, 'other sbatch options');
      assert.equal(error.suggestion, 'remove it: the batch script sets it (signal, requeue, output, job name)');
      assert.deepEqual([error.line, error.column], [4, 26]);
    });

    it('keeps a message without an expected part whole', () => {
      const error = only(`${OPT}max_steps: 5\nlauncher: {extra_args: [plain]}\n`);
      assert.equal(error.message, 'not an option');
      assert.equal(error.expected, '');
    });
  });

  it('describes values in plain words', () => {
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue([1]), 'a list');
    assert.equal(describeValue({ a: 1 }), 'a map');
    assert.equal(describeValue('x'), 'the string "x"');
    assert.equal(describeValue(2.5), '2.5');
    assert.equal(describeValue(false), 'false');
  });
});
