/**
 * Turns zod issues on the merged config into ConfigErrors that point at the file and line that
 * wrote the offending value, say what was expected, and suggest a fix (nearest key, the type a
 * field belongs to, the section a stray key belongs under).
 */
import type { z } from 'zod';
import { ConfigError, type ConfigErrorKind, type SourcePos } from './errors';
import { dotted, isPlainMap, originOf, valueAt, type ConfigPath, type OriginMap } from './layer';
import { describeExpected, keysOfSection, objectAt, schemaAt, variantType } from './schemaIntrospection';
import { nearest } from './suggest';

export interface IssueContext {
  schema: z.ZodType;
  merged: Record<string, unknown>;
  origins: OriginMap;
  /** Where to point when nothing more precise is known: the leaf config file, line 1. */
  fallback: SourcePos;
}

const SECTIONS = ['model', 'data', 'optimizer', 'scheduler', 'launcher'] as const;

/** Fixes for values that pass the type check but cannot work. */
const VALUE_FIXES: Record<string, string> = {
  save_total_limit: 'use null to keep every checkpoint, or a limit of at least 1',
  keep_every_steps: 'use null, or a multiple of save_steps',
  batch_size: 'use at least 1 example per step, e.g. 32',
  max_steps: 'use the total number of steps to train, e.g. 500',
  save_steps: 'save every N ≥ 1 steps, e.g. 100',
  log_steps: 'log every N ≥ 1 steps, e.g. 10',
  cpu_threads: 'use null (cores - 1, between 1 and 4) or a number of threads ≥ 1, e.g. 2',
  resume_from_checkpoint: 'use true (latest checkpoint in output_dir), false, or a checkpoint folder path',
  'optimizer.learning_rate': 'use a positive learning rate such as 0.001',
  'data.type': 'make model.type and data.type agree',
  'model.heads': 'pick heads that divide d_model, e.g. 4 for d_model 64',
  'launcher.time': 'write a Slurm time limit such as "30" (minutes), "2:00:00" or "1-12:00:00", quoted',
  'launcher.mem': 'write memory per node such as "16G" or "4000M"',
  'launcher.signal_seconds_before_end':
    'use fewer seconds than the time limit, e.g. 120 for a limit of an hour or more',
  'launcher.extra_args.*': 'remove it: the batch script sets it (signal, requeue, output, job name)',
};

export function issuesToErrors(issues: readonly z.core.$ZodIssue[], ctx: IssueContext): ConfigError[] {
  return issues.flatMap((issue) => issueToErrors(issue, ctx));
}

function issueToErrors(issue: z.core.$ZodIssue, ctx: IssueContext): ConfigError[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => unknownKey(path, key, ctx));
  const value = valueAt(ctx.merged, path);
  if (value === undefined) return [missing(path, ctx)];
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
    const options = issue.options.map(String);
    const near = typeof value === 'string' ? nearest(value, options) : undefined;
    return [
      error(
        'invalid_value',
        path,
        ctx,
        `unknown type ${JSON.stringify(value)}`,
        `one of ${options.map((o) => JSON.stringify(o)).join(' | ')}`,
        near ? `did you mean "${near}"?` : undefined,
      ),
    ];
  }
  const expected = expectedAt(path, ctx);
  if (issue.code === 'invalid_type' || (issue.code === 'invalid_union' && !('options' in issue))) {
    return [error('wrong_type', path, ctx, `got ${describeValue(value)}`, expected, wrongTypeFix(path, value))];
  }
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    const near = nearest(value, issue.values.map(String));
    return [
      error(
        'invalid_value',
        path,
        ctx,
        `${JSON.stringify(value)} is not allowed`,
        expected,
        near ? `did you mean "${near}"?` : undefined,
      ),
    ];
  }
  if (issue.code === 'custom') {
    // Cross-field checks write "what is wrong; expected what".
    const [message = issue.message, expectedText = ''] = issue.message.split('; expected ');
    return [error('invalid_value', path, ctx, message, expectedText, VALUE_FIXES[dotted(genericPath(path))])];
  }
  return [
    error(
      'invalid_value',
      path,
      ctx,
      `${describeValue(value)} is not allowed`,
      expected,
      VALUE_FIXES[dotted(genericPath(path))],
    ),
  ];
}

function unknownKey(path: ConfigPath, key: string, ctx: IssueContext): ConfigError {
  const keyPath = [...path, key];
  const here = objectAt(ctx.schema, path, ctx.merged);
  const valid = here ? Object.keys(here.object.shape) : [];
  const validList = valid.length ? `one of ${valid.join(', ')}` : '';
  const section = dotted(path);
  if (here?.union) {
    const owners = here.union.variants.filter((variant) => key in variant.shape).map(variantType);
    if (owners.length > 0) {
      const list = owners.map((o) => `"${o}"`).join(' or ');
      return error(
        'unknown_key',
        keyPath,
        ctx,
        `not a field of ${section} type "${here.union.current}"`,
        validList,
        `"${key}" belongs to ${section} type ${list}: change ${section}.type or remove ${key}`,
        true,
      );
    }
  }
  const near = nearest(key, valid);
  if (near) return error('unknown_key', keyPath, ctx, 'unknown key', validList, `did you mean "${near}"?`, true);
  if (path.length === 0) {
    const home = SECTIONS.find((name) =>
      keysOfSection(schemaAt(ctx.schema, [name], ctx.merged) ?? ctx.schema).includes(key),
    );
    if (home)
      return error(
        'unknown_key',
        keyPath,
        ctx,
        'unknown top-level key',
        validList,
        `did you mean ${home}.${key}? move it under "${home}:"`,
        true,
      );
  }
  return error('unknown_key', keyPath, ctx, 'unknown key', validList, undefined, true);
}

function missing(path: ConfigPath, ctx: IssueContext): ConfigError {
  const field = path[path.length - 1];
  const parent = path.slice(0, -1);
  const where = parent.length ? `${dotted(parent)} needs ${field}` : `the config needs ${field}`;
  const expected = expectedAt(path, ctx);
  const suggestion =
    field === 'type'
      ? `add "type:" to ${dotted(parent)}`
      : `add ${String(field)}: to ${parent.length ? dotted(parent) : 'the config'}`;
  const origin = originOf(ctx.origins, parent);
  return new ConfigError({
    kind: 'missing',
    at: origin?.key ?? origin?.value ?? ctx.fallback,
    field: dotted(path),
    message: `missing (${where})`,
    expected,
    suggestion,
  });
}

function error(
  kind: ConfigErrorKind,
  path: ConfigPath,
  ctx: IssueContext,
  message: string,
  expected: string,
  suggestion?: string,
  atKey = false,
): ConfigError {
  const origin = originOf(ctx.origins, path);
  const at = (atKey ? origin?.key : undefined) ?? origin?.value ?? ctx.fallback;
  return new ConfigError({ kind, at, field: dotted(path), message, expected, ...(suggestion ? { suggestion } : {}) });
}

function expectedAt(path: ConfigPath, ctx: IssueContext): string {
  const schema = schemaAt(ctx.schema, path, ctx.merged);
  return schema ? describeExpected(schema) : '';
}

function wrongTypeFix(path: ConfigPath, value: unknown): string | undefined {
  const section = path.length === 1 ? SECTIONS.find((name) => name === path[0]) : undefined;
  if (section && typeof value === 'string') return `write it as a map: "${section}: {type: ${value}}"`;
  if (typeof value === 'string' && /^[-+]?\d/.test(value)) return 'write the number without quotes or units';
  return VALUE_FIXES[dotted(genericPath(path))];
}

/** model.hidden.2 -> model.hidden.*, for fix lookups. */
function genericPath(path: ConfigPath): ConfigPath {
  return path.map((segment) => (typeof segment === 'number' ? '*' : segment));
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainMap(value)) return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return String(value);
}
