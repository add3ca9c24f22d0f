/**
 * Every file in fixtures/broken/ (except _*.yaml helpers) must fail to load with a ConfigError
 * whose kind, file, line, column and field match the file's own `# expect:` header, and whose
 * one-line message carries a fix (the `fix` text appears in it).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, formatConfigError, loadConfig } from '../../../../src/core/config';

const dir = path.join(__dirname, 'fixtures', 'broken');
const files = readdirSync(dir)
  .filter((name) => name.endsWith('.yaml') && !name.startsWith('_'))
  .sort();

function expectation(file: string): Record<string, string> {
  const header = readFileSync(path.join(dir, file), 'utf8').split('\n')[0] ?? '';
  assert.match(header, /^# expect: /, `${file} needs an "# expect:" header`);
  const fields: Record<string, string> = {};
  for (const match of header.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = match[2] ?? '';
    fields[match[1]!] = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
  }
  return fields;
}

describe('config: broken corpus', () => {
  it('has a broad corpus', () => assert.ok(files.length >= 20, `only ${files.length} broken files`));

  for (const file of files) {
    it(file, async () => {
      const expected = expectation(file);
      const error = await loadConfig(path.join(dir, file), { cwd: dir }).then(
        () => assert.fail(`${file} loaded without error`),
        (err: unknown) => err,
      );
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.exitCode, 2);
      assert.equal(error.kind, expected['kind']);
      assert.equal(error.file, path.join(dir, expected['file'] ?? file));
      assert.equal(error.line, Number(expected['line']));
      if (expected['col']) assert.equal(error.column, Number(expected['col']));
      assert.equal(error.field, expected['field'] ?? '');
      const line = formatConfigError(error, { cwd: dir });
      assert.ok(line.startsWith(`${expected['file'] ?? file}:${expected['line']}:`), line);
      assert.ok(!line.includes('\n'), 'one line');
      assert.ok(!/\bat .+:\d+:\d+\)?$/m.test(line), 'no stack trace');
      assert.ok(line.includes(expected['fix']!), `fix "${expected['fix']}" missing from: ${line}`);
    });
  }
});
