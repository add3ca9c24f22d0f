/** Walks the zod schema along a config path, so errors can list valid keys and describe expected values. */
import * as z from 'zod';
import { isPlainMap, valueAt, type ConfigPath } from './layer';

type Schema = z.ZodType;
export type ObjectSchema = z.ZodObject<z.ZodRawShape>;

/** Strips default / prefault / optional / nullable wrappers. */
export function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.def.innerType as Schema;
    } else {
      return current;
    }
  }
}

export interface ObjectAtPath {
  object: ObjectSchema;
  /** Set when the object is one variant of a section discriminated by `type`. */
  union?: { variants: ObjectSchema[]; current: string };
}

function variants(union: z.ZodDiscriminatedUnion): ObjectSchema[] {
  return union.options.filter((option): option is ObjectSchema => option instanceof z.ZodObject);
}

export function variantType(variant: ObjectSchema): string {
  const literal = unwrap(variant.shape['type'] as Schema);
  return literal instanceof z.ZodLiteral ? String(literal.value) : '';
}

/** The object schema describing the map at `path` of `root` (choosing union variants by their `type`). */
export function objectAt(schema: Schema, path: ConfigPath, root: unknown): ObjectAtPath | undefined {
  const node = unwrap(schema);
  const here = valueAt(root, []);
  if (path.length === 0) {
    if (node instanceof z.ZodObject) return { object: node as ObjectSchema };
    if (node instanceof z.ZodDiscriminatedUnion && isPlainMap(here)) {
      const all = variants(node);
      const object = all.find((variant) => variantType(variant) === here['type']);
      return object ? { object, union: { variants: all, current: String(here['type']) } } : undefined;
    }
    return undefined;
  }
  const child = childSchema(node, path[0]!, here);
  return child ? objectAt(child, path.slice(1), valueAt(root, [path[0]!])) : undefined;
}

/** The (still wrapped) schema of the value at `path`, or undefined when the path leaves the schema. */
export function schemaAt(schema: Schema, path: ConfigPath, root: unknown): Schema | undefined {
  if (path.length === 0) return schema;
  const child = childSchema(unwrap(schema), path[0]!, root);
  return child ? schemaAt(child, path.slice(1), valueAt(root, [path[0]!])) : undefined;
}

function childSchema(node: Schema, segment: string | number, value: unknown): Schema | undefined {
  if (node instanceof z.ZodObject) return (node as ObjectSchema).shape[String(segment)] as Schema | undefined;
  if (node instanceof z.ZodArray) return node.element as Schema;
  if (node instanceof z.ZodDiscriminatedUnion && isPlainMap(value)) {
    const variant = variants(node).find((option) => variantType(option) === value['type']);
    return variant?.shape[String(segment)] as Schema | undefined;
  }
  return undefined;
}

/** Keys a section may hold under any of its types, for "it belongs under optimizer:" hints. */
export function keysOfSection(schema: Schema): string[] {
  const node = unwrap(schema);
  if (node instanceof z.ZodObject) return Object.keys((node as ObjectSchema).shape);
  if (node instanceof z.ZodDiscriminatedUnion)
    return [...new Set(variants(node).flatMap((variant) => Object.keys(variant.shape)))];
  return [];
}

/** Plain-words description of what a schema accepts: 'a whole number ≥ 1, or null'. */
export function describeExpected(schema: Schema): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonNode;
  return describeJson(json);
}

interface JsonNode {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  anyOf?: JsonNode[];
  oneOf?: JsonNode[];
  items?: JsonNode;
  properties?: Record<string, JsonNode>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function describeJson(node: JsonNode): string {
  const alternatives = node.anyOf ?? node.oneOf;
  if (alternatives) {
    const variantTypes = alternatives
      .map((option) => option.properties?.['type']?.const)
      .filter((value) => value !== undefined);
    if (variantTypes.length === alternatives.length && variantTypes.length > 0) {
      return `a map with type: ${variantTypes.map((value) => JSON.stringify(value)).join(' | ')}`;
    }
    return alternatives.map(describeJson).join(', or ');
  }
  if (node.const !== undefined) return JSON.stringify(node.const);
  if (node.enum) return `one of ${node.enum.map((value) => JSON.stringify(value)).join(' | ')}`;
  switch (node.type) {
    case 'integer':
      return `a whole number${bounds(node)}`;
    case 'number':
      return `a number${bounds(node)}`;
    case 'string':
      return node.minLength ? 'a non-empty string' : 'a string';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array':
      return node.items ? `a list of ${plural(describeJson(node.items))}` : 'a list';
    case 'object':
      return 'a map of key: value lines';
    default:
      return 'a valid value';
  }
}

function bounds(node: JsonNode): string {
  const parts: string[] = [];
  if (node.minimum !== undefined && node.minimum > -MAX_SAFE) parts.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined && node.maximum < MAX_SAFE) parts.push(`≤ ${node.maximum}`);
  if (node.exclusiveMaximum !== undefined) parts.push(`< ${node.exclusiveMaximum}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

function plural(description: string): string {
  return description.replace(/^a (whole number|number|string|non-empty string|map)/, (_, noun: string) => `${noun}s`);
}
