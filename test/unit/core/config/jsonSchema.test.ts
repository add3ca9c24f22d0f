import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { mergeConfig, trainConfigJsonSchema } from '../../../../src/core/config';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const project = path.join(root, 'examples', 'checkpointing');
const exampleFiles = ['project.yaml', 'configs/train.yaml', 'configs/resume.yaml'].map((file) =>
  path.join(project, file),
);

function validator() {
  return new Ajv2020({ allErrors: true, strict: false }).compile(trainConfigJsonSchema());
}

describe('config: JSON Schema', () => {
  it('the committed media/schema file is up to date (run npx tsx scripts/export-schema.ts)', () => {
    const committed = JSON.parse(
      readFileSync(path.join(root, 'media', 'schema', 'training-config.schema.json'), 'utf8'),
    ) as unknown;
    assert.deepEqual(committed, trainConfigJsonSchema());
  });

  it('accepts each example file as written, partial children with extends included', () => {
    const validate = validator();
    for (const file of exampleFiles) {
      assert.ok(validate(parse(readFileSync(file, 'utf8'))), `${file}: ${JSON.stringify(validate.errors)}`);
    }
    assert.ok(
      validate({ extends: 'base.yaml', optimizer: { beta1: 0.95 } }),
      'a section without type is fine in a child',
    );
  });

  it('accepts the merged shape of each example', async () => {
    const validate = validator();
    for (const name of ['train.yaml', 'resume.yaml']) {
      const merged = await mergeConfig(name, { cwd: project });
      assert.ok(validate(merged.layer.value), `${name}: ${JSON.stringify(validate.errors)}`);
    }
  });

  it('rejects typos, wrong types, bad enums and fields of another type', async () => {
    const validate = validator();
    const merged = (await mergeConfig('train.yaml', { cwd: project })).layer.value;
    const broken: Array<[string, Record<string, unknown>]> = [
      ['typo', { ...merged, max_step: 5 }],
      ['wrong type', { ...merged, max_steps: 'five' }],
      ['zero', { ...merged, save_total_limit: 0 }],
      ['bad enum', { ...merged, backend: 'cuda' }],
      ['unknown optimizer', { ...merged, optimizer: { type: 'adma' } }],
      ['field of another type', { ...merged, optimizer: { type: 'sgd', beta1: 0.9 } }],
    ];
    for (const [what, config] of broken) assert.equal(validate(config), false, what);
  });

  it('documents fields for editor hover', () => {
    const schema = trainConfigJsonSchema() as { properties: Record<string, { description?: string }> };
    for (const key of ['extends', 'max_steps', 'save_total_limit', 'resume_from_checkpoint', 'model', 'optimizer']) {
      assert.ok(schema.properties[key]?.description, `${key} has no description`);
    }
  });
});
