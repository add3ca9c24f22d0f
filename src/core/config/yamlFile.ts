/** Reads one YAML config file into a Layer, keeping the line and column of every key and value. */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { readBoundedText } from '../limits/boundedFile';
import { READ_LIMITS, ReadLimitError } from '../limits/readLimits';
import { ConfigError, type SourcePos } from './errors';
import { dotted, pathKey, type ConfigPath, type Layer, type OriginMap } from './layer';

const SYNTAX_FIXES: Record<string, string> = {
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BAD_INDENT: 'indent nested keys consistently with spaces (2 per level)',
  DUPLICATE_KEY: 'remove or rename one of the duplicate keys',
  MISSING_CHAR: 'close the quote or bracket opened here',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line and end with ":"; check for a missing ":" or an unclosed quote',
  BLOCK_AS_IMPLICIT_KEY: 'check for a missing ":" after a key, or wrong indentation',
  UNEXPECTED_TOKEN: 'check the punctuation on this line',
  MULTIPLE_DOCS: 'keep a single YAML document per config file (remove the extra "---")',
};

export async function readYamlLayer(file: string): Promise<Layer> {
  let text: string;
  try {
    // Only a regular file of bounded size: a FIFO named by `extends:` would block forever.
    text = await readBoundedText(file, READ_LIMITS.configBytes);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError({
      kind: code === 'ENOENT' ? 'not_found' : 'unreadable',
      at: { file, line: null, column: null },
      field: '',
      message: code
        ? `cannot read config file (${code})`
        : `cannot read config file: ${(err as Error).message.replace(`${file}: `, '')}`,
      expected: `a readable YAML file (a regular file of at most ${READ_LIMITS.configBytes} bytes)`,
    });
  }
  return parseYamlLayer(text, file);
}

/** A file-level ConfigError for input that exceeds a limit (nesting, aliases). */
function limitError(file: string, field: string, message: string, expected: string, pos?: SourcePos): ConfigError {
  return new ConfigError({
    kind: 'invalid_value',
    at: pos ?? { file, line: null, column: null },
    field,
    message,
    expected,
  });
}

export function parseYamlLayer(text: string, file: string): Layer {
  if (text.length > READ_LIMITS.configBytes) {
    throw limitError(
      file,
      '',
      new ReadLimitError(file, 'size', READ_LIMITS.configBytes, `is ${text.length} characters`).message,
      'a config of ordinary size',
    );
  }
  // Refused before parsing: the parser recurses per flow level, and a worker that ran out of stack
  // there once was seen to abort the whole process on its next parse (a regexp compile out of memory).
  if (flowDepthExceeds(text, READ_LIMITS.configDepth))
    throw limitError(file, '', 'the YAML is nested too deeply to read', `at most ${READ_LIMITS.configDepth} levels`);
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    // The yaml parser recurses per nesting level: thousands of levels exhaust the stack.
    if (err instanceof RangeError)
      throw limitError(file, '', 'the YAML is nested too deeply to read', `at most ${READ_LIMITS.configDepth} levels`);
    throw err;
  }
  const syntaxError = doc.errors[0];
  if (syntaxError && /call stack/i.test(syntaxError.message)) {
    throw limitError(file, '', 'the YAML is nested too deeply to read', `at most ${READ_LIMITS.configDepth} levels`);
  }
  if (syntaxError) {
    const pos = syntaxError.linePos?.[0];
    throw new ConfigError({
      kind: 'yaml_syntax',
      at: { file, line: pos?.line ?? null, column: pos?.col ?? null },
      field: '',
      message: `YAML syntax error: ${firstSentence(syntaxError.message)}`,
      expected: 'valid YAML',
      suggestion: syntaxFix(syntaxError.code, syntaxError.message),
    });
  }
  const origins: OriginMap = new Map();
  const posAt = (offset: number): SourcePos => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  if (doc.contents === null) return { value: {}, origins };
  if (!isMap(doc.contents)) {
    throw new ConfigError({
      kind: 'wrong_type',
      at: posAt(doc.contents.range?.[0] ?? 0),
      field: '',
      message: 'the file is not a map of settings',
      expected: 'top-level "key: value" lines, e.g. "max_steps: 500"',
    });
  }
  recordOrigins(doc.contents, [], origins, posAt, file);
  let value: unknown;
  try {
    // The yaml library's own conversion counts alias expansions (billion laughs) and stops early.
    value = doc.toJS({ maxAliasCount: READ_LIMITS.configAliases });
  } catch (err) {
    if (err instanceof ReferenceError || err instanceof RangeError) {
      throw limitError(
        file,
        '',
        `YAML aliases expand too far (${err.message})`,
        `at most ${READ_LIMITS.configAliases} alias expansions; write the values out instead`,
      );
    }
    throw err;
  }
  return { value: value as Record<string, unknown>, origins };
}

/**
 * Where each key and value was written, and that every key is a plain name. Aliases are not
 * followed (their values come from the yaml library's conversion, which bounds them), so this
 * walk is linear in the file, and nesting deeper than READ_LIMITS.configDepth is refused.
 */
function recordOrigins(
  node: Node | null,
  path: ConfigPath,
  origins: OriginMap,
  posAt: (offset: number) => SourcePos,
  file: string,
): void {
  if (node === null || isAlias(node) || isScalar(node)) return;
  if (path.length >= READ_LIMITS.configDepth) {
    throw limitError(
      file,
      dotted(path),
      `nested deeper than ${READ_LIMITS.configDepth} levels`,
      'a config of ordinary depth',
      node.range ? posAt(node.range[0]) : undefined,
    );
  }
  if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const itemNode = item as Node | null;
      const itemPath = [...path, index];
      if (itemNode?.range) origins.set(pathKey(itemPath), { value: posAt(itemNode.range[0]) });
      recordOrigins(itemNode, itemPath, origins, posAt, file);
    });
    return;
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      const keyNode = pair.key as Node | null;
      const keyPos = keyNode?.range ? posAt(keyNode.range[0]) : undefined;
      const rawKey = keyNode && isScalar(keyNode) ? keyNode.value : undefined;
      if (rawKey === undefined || rawKey === null || typeof rawKey === 'object') {
        throw new ConfigError({
          kind: 'yaml_syntax',
          at: keyPos ?? posAt(node.range?.[0] ?? 0),
          field: [...path].map(String).join('.'),
          message: 'a key must be a plain name',
          expected: 'a "name: value" line',
        });
      }
      const key = String(rawKey);
      const valueNode = pair.value as Node | null;
      const childPath = [...path, key];
      const valuePos = valueNode?.range ? posAt(valueNode.range[0]) : keyPos;
      if (valuePos) origins.set(pathKey(childPath), keyPos ? { key: keyPos, value: valuePos } : { value: valuePos });
      recordOrigins(valueNode, childPath, origins, posAt, file);
    }
  }
}

/**
 * Whether flow collections (`[...]`, `{...}`) nest deeper than `limit`, in one linear pass without
 * parsing. Brackets inside quoted scalars and comments do not count; a quote or `#` counts only
 * where YAML lets a scalar or comment start (after a space, a line start or flow punctuation).
 */
export function flowDepthExceeds(text: string, limit: number): boolean {
  const startsToken = (i: number) => i === 0 || /[\s[{,:]/.test(text[i - 1]!);
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '{') {
      if (++depth > limit) return true;
    } else if (c === ']' || c === '}') {
      if (depth > 0) depth--;
    } else if (c === '"' && startsToken(i)) {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (c === "'" && startsToken(i)) {
      // '' inside a single-quoted scalar is an escaped quote: the scan closes and reopens, which is the same.
      const end = text.indexOf("'", i + 1);
      if (end < 0) return false;
      i = end;
    } else if (c === '#' && i > 0 && /\s/.test(text[i - 1]!)) {
      const end = text.indexOf('\n', i);
      if (end < 0) return false;
      i = end;
    }
  }
  return false;
}

function syntaxFix(code: string, message: string): string {
  const unclosed = /end with an? ([\]}])/.exec(message);
  if (unclosed) return `close the ${unclosed[1] === ']' ? '[' : '{'} opened above with "${unclosed[1]}"`;
  return SYNTAX_FIXES[code] ?? 'fix the YAML syntax at this position';
}

/** The yaml package's message, without the code excerpt that prettyErrors appends. */
function firstSentence(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '').trim();
}
