import assert from 'node:assert/strict';
import * as z from 'zod';
import {
  describeExpected,
  keysOfSection,
  objectAt,
  schemaAt,
  unwrap,
  variantType,
} from '../../../../src/core/config/schemaIntrospection';

const adam = z.object({ type: z.literal('adam'), learning_rate: z.number(), beta1: z.number() });
const sgd = z.object({ type: z.literal('sgd').default('sgd'), learning_rate: z.number(), momentum: z.number() });
const optimizer = z.discriminatedUnion('type', [adam, sgd]);
const root = z.object({
  name: z.string().optional(),
  optimizer: optimizer.optional(),
  layers: z.array(z.object({ units: z.number().int() })).default([]),
  model: z.object({ dropout: z.number().nullable().default(null) }).prefault({}),
});

describe('config: schema introspection', () => {
  describe('unwrap', () => {
    it('strips every default, prefault, optional and nullable wrapper, however nested', () => {
      const inner = z.number();
      assert.equal(unwrap(inner.nullable().optional().default(1)), inner);
      assert.equal(unwrap(z.object({ a: inner }).prefault({ a: 1 })) instanceof z.ZodObject, true);
      assert.equal(unwrap(inner), inner);
    });
  });

  describe('variantType', () => {
    it("is the literal of the variant's type key, through a default", () => {
      assert.equal(variantType(adam), 'adam');
      assert.equal(variantType(sgd), 'sgd');
    });
    it('is empty for a variant whose type is not a literal', () => {
      assert.equal(variantType(z.object({ type: z.string() })), '');
    });
  });

  describe('objectAt', () => {
    it('is the root object for the empty path', () => {
      assert.equal(objectAt(root, [], {})?.object, root);
      assert.equal(objectAt(root, [], {})?.union, undefined);
    });
    it('chooses the union variant named by the value, and lists all variants', () => {
      const found = objectAt(root, ['optimizer'], { optimizer: { type: 'sgd' } });
      assert.equal(found?.object, sgd);
      assert.deepEqual(found?.union, { variants: [adam, sgd], current: 'sgd' });
    });
    it('is undefined for a union whose value names no variant, or is not a map', () => {
      assert.equal(objectAt(root, ['optimizer'], { optimizer: { type: 'rmsprop' } }), undefined);
      assert.equal(objectAt(root, ['optimizer'], { optimizer: 'adam' }), undefined);
      assert.equal(objectAt(optimizer, [], ['adam']), undefined);
    });
    it('walks into list items and wrapped objects', () => {
      assert.equal(
        objectAt(root, ['layers', 0], { layers: [{ units: 3 }] })?.object,
        (root.shape.layers.def.innerType as z.ZodArray<z.ZodObject>).element,
      );
      assert.deepEqual(Object.keys(objectAt(root, ['model'], {})?.object.shape ?? {}), ['dropout']);
    });
    it('is undefined where the path leaves the schema or ends on a non-object', () => {
      assert.equal(objectAt(root, ['nope'], {}), undefined);
      assert.equal(objectAt(root, ['name'], { name: 'x' }), undefined);
      assert.equal(objectAt(root, ['name', 'deeper'], { name: 'x' }), undefined);
    });
  });

  describe('schemaAt', () => {
    it('is the schema itself for the empty path, still wrapped', () => {
      const wrapped = root.shape.optimizer;
      assert.equal(schemaAt(wrapped, [], {}), wrapped);
    });
    it("follows objects, lists and the value's union variant", () => {
      assert.equal(schemaAt(root, ['name'], {}), root.shape.name);
      assert.equal(schemaAt(root, ['optimizer', 'momentum'], { optimizer: { type: 'sgd' } }), sgd.shape.momentum);
      assert.equal(schemaAt(root, ['optimizer', 'beta1'], { optimizer: { type: 'adam' } }), adam.shape.beta1);
      assert.equal(schemaAt(root, ['layers', 2, 'units'], { layers: [] }) instanceof z.ZodNumber, true);
    });
    it('is undefined for a key of another variant, an unknown key, or below a leaf', () => {
      assert.equal(schemaAt(root, ['optimizer', 'momentum'], { optimizer: { type: 'adam' } }), undefined);
      assert.equal(schemaAt(root, ['optimizer', 'momentum'], { optimizer: 3 }), undefined);
      assert.equal(schemaAt(root, ['nope'], {}), undefined);
      assert.equal(schemaAt(root, ['name', 'x'], {}), undefined);
    });
  });

  describe('keysOfSection', () => {
    it('lists the keys of an object, and of every variant of a union once each', () => {
      assert.deepEqual(keysOfSection(root.shape.model), ['dropout']);
      assert.deepEqual(keysOfSection(root.shape.optimizer), ['type', 'learning_rate', 'beta1', 'momentum']);
    });
    it('is empty for a leaf', () => {
      assert.deepEqual(keysOfSection(z.number()), []);
    });
  });

  describe('describeExpected', () => {
    const cases: [string, z.ZodType, string][] = [
      ['a bounded whole number', z.number().int().min(1), 'a whole number ≥ 1'],
      ['a whole number without bounds', z.int(), 'a whole number'],
      ['a nullable whole number', z.number().int().min(1).nullable(), 'a whole number ≥ 1, or null'],
      ['a number', z.number(), 'a number'],
      ['an open interval', z.number().gt(0).lt(1), 'a number > 0 and < 1'],
      ['a closed interval', z.number().min(0).max(10), 'a number ≥ 0 and ≤ 10'],
      ['a string', z.string(), 'a string'],
      ['a non-empty string', z.string().min(1), 'a non-empty string'],
      ['a boolean', z.boolean(), 'true or false'],
      ['a null', z.null(), 'null'],
      ['a list of whole numbers', z.array(z.int()), 'a list of whole numbers'],
      ['a list of numbers', z.array(z.number()), 'a list of numbers'],
      ['a list of strings', z.array(z.string()), 'a list of strings'],
      ['a list of non-empty strings', z.array(z.string().min(1)), 'a list of non-empty strings'],
      ['a list of maps', z.array(z.object({ a: z.number() })), 'a list of maps of key: value lines'],
      ['a list of booleans', z.array(z.boolean()), 'a list of true or false'],
      ['a tuple', z.tuple([z.number()]), 'a list'],
      ['a map', z.object({ a: z.number() }), 'a map of key: value lines'],
      ['a literal', z.literal('x'), '"x"'],
      ['a literal zero', z.literal(0), '0'],
      ['an enum', z.enum(['a', 'b']), 'one of "a" | "b"'],
      ['a discriminated union', optimizer, 'a map with type: "adam" | "sgd"'],
      ['an union without types', z.union([z.literal('a'), z.number()]), '"a", or a number'],
      ['an union with one typed map', z.union([adam, z.string()]), 'a map of key: value lines, or a string'],
      ['anything', z.any(), 'a valid value'],
    ];
    for (const [what, schema, expected] of cases) {
      it(`describes ${what}`, () => assert.equal(describeExpected(schema), expected));
    }
  });
});
