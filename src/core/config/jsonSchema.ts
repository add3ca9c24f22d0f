/**
 * JSON Schema for config FILES, derived from the one zod schema. A file may be partial (a child
 * config sets a few keys and inherits the rest through `extends`), so nothing is required, and a
 * section without `type` matches any variant that has its keys (anyOf instead of oneOf).
 * Unknown keys stay errors, defaults and descriptions stay for hover and completion.
 */
import * as z from 'zod';
import { EXTERNAL_TRAINER_KEY, externalTrainerSchema } from './externalTrainerSchema';
import { configFields } from './schema';

type Json = Record<string, unknown>;

export function trainConfigJsonSchema(): Json {
  // Built from the fields (not the refined object): cross-field checks are not expressible here.
  const fileSchema = z.strictObject({
    extends: z
      .string()
      .min(1)
      .describe(
        'Base config to inherit from, relative to this file. Maps merge deeply; lists and scalars replace; a section whose type changes is replaced.',
      ),
    ...configFields,
    // A config may name an external command instead of the built-in trainer (examples/distributed).
    [EXTERNAL_TRAINER_KEY]: externalTrainerSchema
      .optional()
      .describe(
        'Launch this command instead of the built-in trainer (e.g. torchrun); see examples/distributed/README.md.',
      ),
  });
  const generated = z.toJSONSchema(fileSchema, { io: 'input', target: 'draft-2020-12' }) as Json;
  const partial = makePartial(generated) as Json;
  return {
    $schema: generated['$schema'],
    title: 'Training Runs config',
    description: 'A training config (YAML). Run with: train -t <file>. See examples/checkpointing.',
    ...Object.fromEntries(Object.entries(partial).filter(([key]) => key !== '$schema')),
  };
}

/** Drops `required` everywhere and turns `oneOf` into `anyOf` (partial sections match several variants). */
function makePartial(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(makePartial);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'required') continue;
    out[key === 'oneOf' ? 'anyOf' : key] =
      key === 'default' || key === 'const' || key === 'enum' ? value : makePartial(value);
  }
  return out;
}
