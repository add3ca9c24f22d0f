/** Reads one YAML config file into a Layer, keeping the line and column of every key and value. */
import { readFile } from 'node:fs/promises';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ConfigError, type SourcePos } from './errors';
import { pathKey, type ConfigPath, type Layer, type OriginMap } from './layer';

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
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError({
      kind: 'not_found',
      at: { file, line: null, column: null },
      field: '',
      message: `cannot read config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      expected: 'a readable YAML file',
    });
  }
  return parseYamlLayer(text, file);
}

export function parseYamlLayer(text: string, file: string): Layer {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const syntaxError = doc.errors[0];
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
  const value = toValue(doc.contents, [], doc, origins, posAt);
  return { value: value as Record<string, unknown>, origins };
}

function toValue(node: Node | null, path: ConfigPath, doc: Document, origins: OriginMap, posAt: (offset: number) => SourcePos): unknown {
  if (node === null) return null;
  if (isAlias(node)) return toValue(node.resolve(doc) ?? null, path, doc, origins, posAt);
  if (isScalar(node)) return node.value;
  if (isSeq(node)) {
    return node.items.map((item, index) => {
      const itemNode = item as Node | null;
      const itemPath = [...path, index];
      if (itemNode?.range) origins.set(pathKey(itemPath), { value: posAt(itemNode.range[0]) });
      return toValue(itemNode, itemPath, doc, origins, posAt);
    });
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
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
      out[key] = toValue(valueNode, childPath, doc, origins, posAt);
    }
    return out;
  }
  return null;
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
