import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../../../../src/core/config/errors';
import { pathKey } from '../../../../src/core/config/layer';
import { flowDepthExceeds, parseYamlLayer, readYamlLayer } from '../../../../src/core/config/yamlFile';
import { READ_LIMITS } from '../../../../src/core/limits/readLimits';
import { configError } from './helpers';

const FILE = '/p/train.yaml';

function refusal(text: string): ConfigError {
  try {
    parseYamlLayer(text, FILE);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error;
  }
  return assert.fail('expected a ConfigError');
}

describe('config: reading a YAML file into a layer', () => {
  describe('syntax errors', () => {
    const cases: [string, string, string, number, number, string][] = [
      ['a tab as indent', 'a:\n\tb: 1\n', 'Tabs are not allowed as indentation', 2, 1, 'indent with spaces, not tabs'],
      [
        'a duplicate key',
        'a: 1\na: 2\n',
        'Map keys must be unique',
        2,
        1,
        'remove or rename one of the duplicate keys',
      ],
      ['an unclosed quote', 'a: "abc\n', 'Missing closing "quote', 2, 1, 'close the quote or bracket opened here'],
      [
        'an unclosed list',
        'a: [1, 2\n',
        'Flow sequence in block collection must be sufficiently indented and end with a ]',
        2,
        1,
        'close the [ opened above with "]"',
      ],
      [
        'an unclosed map',
        'a: {b: 1\n',
        'Flow map in block collection must be sufficiently indented and end with a }',
        2,
        1,
        'close the { opened above with "}"',
      ],
      [
        'a second document',
        'a: 1\n---\nb: 2\n',
        'Source contains multiple documents; please use YAML.parseAllDocuments()',
        2,
        1,
        'keep a single YAML document per config file (remove the extra "---")',
      ],
      [
        'a key without ":"',
        'a b\nc: 1\n',
        'Implicit keys need to be on a single line',
        1,
        1,
        'a key must fit on one line and end with ":"; check for a missing ":" or an unclosed quote',
      ],
      [
        'a stray bracket',
        'a: ]\n',
        'Unexpected flow-seq-end token in YAML stream: "]"',
        1,
        4,
        'check the punctuation on this line',
      ],
      [
        'a reserved character',
        'a: @x\n',
        'Plain value cannot start with reserved character @',
        1,
        4,
        'fix the YAML syntax at this position',
      ],
    ];
    cases.push(
      [
        'keys indented unevenly',
        'a:\n    b: 1\n  c: 2\n',
        'All mapping items must start at the same column',
        3,
        1,
        'indent nested keys consistently with spaces (2 per level)',
      ],
      [
        'a key indented under a value',
        'a: 1\n b: 2\n',
        'Nested mappings are not allowed in compact mappings',
        1,
        4,
        'check for a missing ":" after a key, or wrong indentation',
      ],
      // Past line and column 9: the position the parser appends is still cut from the message.
      [
        'an error far down the file',
        Array.from({ length: 11 }, (_, i) => `k${i}: 1`).join('\n') + '\nlong_key_name: @x\n',
        'Plain value cannot start with reserved character @',
        12,
        16,
        'fix the YAML syntax at this position',
      ],
    );
    for (const [what, text, message, line, column, suggestion] of cases) {
      it(`explains ${what} in one sentence, where it is, with its fix`, () => {
        const error = refusal(text);
        assert.equal(error.kind, 'yaml_syntax');
        assert.equal(error.message, `YAML syntax error: ${message}`);
        assert.deepEqual([error.file, error.line, error.column], [FILE, line, column]);
        assert.equal(error.field, '');
        assert.equal(error.expected, 'valid YAML');
        assert.equal(error.suggestion, suggestion);
      });
    }
  });

  describe('the shape of the document', () => {
    it('reads an empty or comment-only file as no settings', () => {
      for (const text of ['', '# only a comment\n']) {
        const layer = parseYamlLayer(text, FILE);
        assert.deepEqual(layer.value, {});
        assert.equal(layer.origins.size, 0);
      }
    });

    it('refuses a top-level list or scalar, pointing at it', () => {
      const error = refusal('\n- 1\n- 2\n');
      assert.equal(error.kind, 'wrong_type');
      assert.equal(error.message, 'the file is not a map of settings');
      assert.equal(error.expected, 'top-level "key: value" lines, e.g. "max_steps: 500"');
      assert.deepEqual([error.line, error.column], [2, 1]);
      assert.equal(refusal('just words\n').kind, 'wrong_type');
    });

    it('refuses keys that are not plain names, naming the map that holds them', () => {
      for (const text of ['? [a]\n: 1\n', '? {a: 1}\n: 2\n', 'null: 1\n', '~: 1\n']) {
        const error = refusal(text);
        assert.equal(error.kind, 'yaml_syntax', text);
        assert.equal(error.message, 'a key must be a plain name');
        assert.equal(error.expected, 'a "name: value" line');
        assert.equal(error.field, '');
      }
      const nested = refusal('model:\n  hidden:\n    ? [x]\n    : 1\n');
      assert.equal(nested.field, 'model.hidden');
      assert.deepEqual([nested.line, nested.column], [3, 7]);
    });

    it('reads number and boolean keys as their text', () => {
      assert.deepEqual(Object.keys(parseYamlLayer('1: a\ntrue: b\n', FILE).value), ['1', 'true']);
    });
  });

  describe('origins', () => {
    it('records where each key and value was written, list items by value only', () => {
      const { value, origins } = parseYamlLayer('a:\n  - x\n  -   {b:   1}\nc:    2\nd:\n', FILE);
      assert.deepEqual(value, { a: ['x', { b: 1 }], c: 2, d: null });
      const at = (...p: (string | number)[]) => origins.get(pathKey(p));
      assert.deepEqual(at('a'), { key: { file: FILE, line: 1, column: 1 }, value: { file: FILE, line: 2, column: 3 } });
      assert.deepEqual(at('a', 0), { value: { file: FILE, line: 2, column: 5 } });
      assert.deepEqual(at('a', 1), { value: { file: FILE, line: 3, column: 7 } });
      assert.deepEqual(at('a', 1, 'b'), {
        key: { file: FILE, line: 3, column: 8 },
        value: { file: FILE, line: 3, column: 13 },
      });
      assert.deepEqual(at('c'), { key: { file: FILE, line: 4, column: 1 }, value: { file: FILE, line: 4, column: 7 } });
      // A key with no value points at its key for both.
      assert.equal(at('d')?.key?.line, 5);
      assert.equal(origins.size, 6);
    });
  });

  describe('limits', () => {
    it('refuses text over the size limit, naming the file', () => {
      const error = refusal('a: 1\n' + ' '.repeat(READ_LIMITS.configBytes));
      assert.equal(error.kind, 'invalid_value');
      assert.equal(error.file, FILE);
      assert.equal(error.line, null);
      assert.match(error.message, new RegExp(`^${FILE}: size is ${READ_LIMITS.configBytes + 5} characters`));
      assert.equal(error.expected, 'a config of ordinary size');
    });

    it('reads text of exactly the size limit', () => {
      const text = 'a: 1\n' + '#'.repeat(READ_LIMITS.configBytes - 6) + '\n';
      assert.equal(text.length, READ_LIMITS.configBytes);
      assert.deepEqual(parseYamlLayer(text, FILE).value, { a: 1 });
    });

    it('refuses flow nesting over the limit before parsing, with the limit', () => {
      const levels = READ_LIMITS.configDepth + 1;
      const error = refusal(`a: ${'['.repeat(levels)}${']'.repeat(levels)}\n`);
      assert.equal(error.message, 'the YAML is nested too deeply to read');
      assert.equal(error.expected, `at most ${READ_LIMITS.configDepth} levels`);
      assert.equal(error.field, '');
    });

    it('refuses block nesting at the limit, pointing at the map that goes too deep', () => {
      const depth = READ_LIMITS.configDepth + 1;
      const block = Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' 1\n';
      const error = refusal(block);
      assert.equal(error.message, `nested deeper than ${READ_LIMITS.configDepth} levels`);
      assert.equal(error.expected, 'a config of ordinary depth');
      assert.equal(error.line, depth);
      assert.equal(error.field.split('.').length, READ_LIMITS.configDepth);
    });

    it('refuses aliases that expand too far', () => {
      const error = refusal('a: &a [1, 2]\nb: [*a, *a, *a]\n'.replace('[*a, *a, *a]', `[${'*a, '.repeat(120)}*a]`));
      assert.equal(error.kind, 'invalid_value');
      assert.match(error.message, /^YAML aliases expand too far \(.+\)$/);
      assert.equal(
        error.expected,
        `at most ${READ_LIMITS.configAliases} alias expansions; write the values out instead`,
      );
    });
  });

  describe('flowDepthExceeds', () => {
    it('counts nesting of lists and maps only past the limit', () => {
      assert.equal(flowDepthExceeds('[[]]', 2), false);
      assert.equal(flowDepthExceeds('[[[]]]', 2), true);
      assert.equal(flowDepthExceeds('{a: {b: {}}}', 2), true);
      // Closing brackets bring the depth down again; extra closers do not go below zero.
      assert.equal(flowDepthExceeds('[[]] [[]]', 2), false);
      assert.equal(flowDepthExceeds('{{}} {{}}', 2), false);
      assert.equal(flowDepthExceeds(']]] [[[', 2), true);
    });

    it('ignores brackets in quoted scalars that start a token, and in comments', () => {
      assert.equal(flowDepthExceeds('"[[["', 2), false);
      assert.equal(flowDepthExceeds("'[[['", 2), false);
      assert.equal(flowDepthExceeds('[ "[[" ]', 1), false);
      assert.equal(flowDepthExceeds("{a:'[['}", 1), false);
      assert.equal(flowDepthExceeds('a: 1 #[[[\n', 2), false);
      assert.equal(flowDepthExceeds('a: 1 #[[[\nb: [[[', 2), true);
      // A closed single-quoted scalar ends the skip: brackets after it count.
      assert.equal(flowDepthExceeds("'a' [[[", 2), true);
    });

    it('counts brackets after a quote or # inside a word', () => {
      assert.equal(flowDepthExceeds('a"[[[', 2), true);
      assert.equal(flowDepthExceeds("a'[[[", 2), true);
      assert.equal(flowDepthExceeds('a#[[[', 2), true);
      assert.equal(flowDepthExceeds('#[[[', 2), true);
    });

    it('stops at an unclosed single quote or a last-line comment', () => {
      assert.equal(flowDepthExceeds("a: '[[[", 2), false);
      assert.equal(flowDepthExceeds('a: 1 # [[[', 2), false);
    });

    it('skips escaped quotes inside double quotes', () => {
      assert.equal(flowDepthExceeds('"\\"[[[" ', 2), false);
      assert.equal(flowDepthExceeds('"\\\\" [[[', 2), true);
    });
  });

  describe('readYamlLayer', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'config-yaml-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads a file into values and origins in that file', async () => {
      const file = path.join(dir, 'a.yaml');
      await writeFile(file, 'max_steps: 5\n');
      const layer = await readYamlLayer(file);
      assert.deepEqual(layer.value, { max_steps: 5 });
      assert.equal(layer.origins.get(pathKey(['max_steps']))?.value.file, file);
    });

    it('says not found for a missing file, with the error code', async () => {
      const file = path.join(dir, 'missing.yaml');
      const error = await configError(readYamlLayer(file));
      assert.equal(error.kind, 'not_found');
      assert.equal(error.message, 'cannot read config file (ENOENT)');
      assert.deepEqual([error.file, error.line, error.column], [file, null, null]);
      assert.equal(error.expected, `a readable YAML file (a regular file of at most ${READ_LIMITS.configBytes} bytes)`);
    });

    it('says unreadable for a folder, without repeating the file name', async () => {
      const folder = path.join(dir, 'folder.yaml');
      await mkdir(folder);
      const error = await configError(readYamlLayer(folder));
      assert.equal(error.kind, 'unreadable');
      assert.match(error.message, /^cannot read config file: /);
      assert.ok(!error.message.includes(folder), error.message);
    });
  });
});
