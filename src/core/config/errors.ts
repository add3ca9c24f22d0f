/**
 * Config errors: one class, one line of output. Every error names the file and line where the
 * offending value was written (or the `--set` argument), the dotted field, what was expected and,
 * where we can tell, how to fix it. Exit code 2 = bad usage or config.
 */
import * as path from 'node:path';

export type ConfigErrorKind =
  | 'not_found'
  | 'unreadable'
  | 'yaml_syntax'
  | 'extends'
  | 'extends_cycle'
  | 'set_syntax'
  | 'unknown_key'
  | 'wrong_type'
  | 'missing'
  | 'invalid_value'
  | 'data_file';

/** Where a value was written. `file` is an absolute path, or '--set' for command-line overrides. */
export interface SourcePos {
  file: string;
  /** 1-based; null for --set and for files that could not be read. */
  line: number | null;
  column: number | null;
  /** The `key=value` text of the --set argument, when file is '--set'. */
  setArg?: string;
}

export interface ConfigErrorDetail {
  kind: ConfigErrorKind;
  at: SourcePos;
  /** Dotted path of the offending field ('' for file-level problems). */
  field: string;
  message: string;
  /** What a valid value looks like ('' when not meaningful). */
  expected: string;
  suggestion?: string;
}

export const SET_SOURCE = '--set';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly exitCode = 2;
  readonly kind: ConfigErrorKind;
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly setArg: string | undefined;
  readonly field: string;
  readonly expected: string;
  readonly suggestion: string | undefined;
  /** Every problem found in the same pass, this one first (for editors' problem lists). */
  issues: ConfigError[] = [this];

  constructor(detail: ConfigErrorDetail) {
    super(detail.message);
    this.kind = detail.kind;
    this.file = detail.at.file;
    this.line = detail.at.line;
    this.column = detail.at.column;
    this.setArg = detail.at.setArg;
    this.field = detail.field;
    this.expected = detail.expected;
    this.suggestion = detail.suggestion;
  }
}

/** Throws the first of several errors, carrying all of them. */
export function throwAll(errors: ConfigError[]): never {
  const [first] = errors;
  if (!first) throw new Error('throwAll called without errors');
  first.issues = errors;
  throw first;
}

/**
 * One line: `configs/train.yaml:7:3: optimizer.learnin_rate: unknown key; did you mean "learning_rate"?`
 * File paths are shown relative to `cwd` (default: the process's) when they lie beneath it.
 */
export function formatConfigError(e: ConfigError, opts: { cwd?: string } = {}): string {
  return `${locationOf(e, opts.cwd ?? process.cwd())}: ${describeConfigProblem(e)}`;
}

/** The line without its location, for places that show the location themselves (editor diagnostics). */
export function describeConfigProblem(e: ConfigError): string {
  let text = e.field ? `${e.field}: ${e.message}` : e.message;
  const showExpected = e.expected && !(e.kind === 'unknown_key' && e.suggestion);
  if (showExpected) text += `; expected ${e.expected}`;
  if (e.suggestion) text += `; ${e.suggestion}`;
  return text;
}

function locationOf(e: ConfigError, cwd: string): string {
  if (e.file === SET_SOURCE) return e.setArg ? `--set ${e.setArg}` : '--set';
  const relative = path.relative(cwd, e.file);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : e.file;
  if (e.line === null) return shown;
  return e.column === null ? `${shown}:${e.line}` : `${shown}:${e.line}:${e.column}`;
}
