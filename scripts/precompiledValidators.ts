/**
 * Build-time half of `precompiled:protocol-validators` (see src/core/protocol/precompiled.ts): each
 * zod schema as JSON Schema (its input side, as messages arrive), compiled by Ajv to plain
 * JavaScript that needs no eval at run time. Loaded by scripts/webviewBundle.mjs's esbuild plugin.
 * What JSON Schema cannot say fails the build rather than pass unchecked: a type it has no word for
 * (`unrepresentable: 'throw'`), a refinement (zod's toJSONSchema would drop it silently) and a
 * transform or default (the webview uses a message as it came). Ajv's string lengths count code
 * points, as zod's do.
 */
import Ajv2020 from 'ajv/dist/2020';
import standaloneCode from 'ajv/dist/standalone';
import * as z from 'zod';
import { PRECOMPILED_SCHEMAS } from '../src/core/protocol/precompiled';

/** An ES module exporting one boolean check per schema (PRECOMPILED_SCHEMAS by default), by the same name. */
export function precompiledValidatorsSource(schemas: Record<string, z.ZodType> = PRECOMPILED_SCHEMAS): string {
  const ajv = new Ajv2020({
    code: { source: true, esm: true },
    allowUnionTypes: true,
    strict: true,
    discriminator: true,
    // Each branch of a tagged union its own function (see byTag).
    inlineRefs: false,
  });
  const ids: Record<string, string> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', override: refuseUnchecked(name) });
    ajv.addSchema({ ...byTag(json), $id: name });
    ids[name] = name;
  }
  return standaloneCode(ajv, ids);
}

type JsonSchema = Record<string, unknown>;

/**
 * A union of messages told apart by their `type` (zod's discriminated union: a oneOf), checked by
 * that tag: only the branch it names runs (a oneOf runs them all to count the matches), and each
 * branch is a function of its own, so a page compiles only the checks of the messages it receives
 * (one function for every branch made the first message's check compile all of them). The same
 * messages pass: the tags are distinct constants and required, which Ajv checks at build time.
 */
function byTag(json: JsonSchema): JsonSchema {
  const branches = json['oneOf'];
  const tagged =
    Array.isArray(branches) &&
    branches.every((b: JsonSchema) => {
      const tag = (b['properties'] as Record<string, JsonSchema> | undefined)?.['type'];
      return tag !== undefined && 'const' in tag && Array.isArray(b['required']) && b['required'].includes('type');
    });
  if (!tagged) return json;
  const defs = { ...(json['$defs'] as JsonSchema | undefined) };
  const refs = (branches as JsonSchema[]).map((branch, i) => {
    defs[`message${i}`] = branch;
    return { $ref: `#/$defs/message${i}` };
  });
  return { ...json, type: 'object', oneOf: refs, discriminator: { propertyName: 'type' }, $defs: defs };
}

type JsonSchemaOverride = NonNullable<NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override']>;

/** Schema kinds whose parse returns something else than it was given: the checked message is used as it came. */
const CHANGES_THE_VALUE = new Set(['transform', 'pipe', 'default', 'prefault', 'catch']);

function refuseUnchecked(name: string): JsonSchemaOverride {
  return ({ zodSchema }) => {
    const def = zodSchema._zod.def as { type: string; checks?: Array<{ _zod: { def: { check: string } } }> };
    if ((def.checks ?? []).some((c) => c._zod.def.check === 'custom'))
      throw new Error(`${name}: a refinement cannot be precompiled; express it in the schema's types or leave it out`);
    if (CHANGES_THE_VALUE.has(def.type))
      throw new Error(`${name}: a ${def.type} cannot be precompiled (the webview uses the message as it came)`);
  };
}
