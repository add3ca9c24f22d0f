import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, formatConfigError, loadConfig } from '../../../../src/core/config';
import { configError, fixtures } from './helpers';

const brokenDir = path.join(fixtures, 'broken');

describe('config: error messages', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'config-errors-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  }

  it('formats one line in the promised shape, relative to cwd', async () => {
    const error = await configError(loadConfig(path.join(brokenDir, 'unknown-key-typo.yaml'), { cwd: fixtures }));
    assert.equal(
      formatConfigError(error, { cwd: fixtures }),
      'broken/unknown-key-typo.yaml:5:3: optimizer.learnin_rate: unknown key; did you mean "learning_rate"?',
    );
    assert.equal(error.suggestion, 'did you mean "learning_rate"?');
  });

  it('names the --set argument for command-line values', async () => {
    const error = await configError(
      loadConfig(path.join(brokenDir, '_base.yaml'), { cwd: dir, sets: ['optimizer.lerning_rate=0.1'] }),
    );
    assert.equal(
      formatConfigError(error),
      '--set optimizer.lerning_rate=0.1: optimizer.lerning_rate: unknown key; did you mean "learning_rate"?',
    );
  });

  it('lists valid keys when no key is close', async () => {
    const file = await write('c.yaml', 'model: {type: mlp}\ndata: {type: synthetic_classification}\nzzzzzzzz: 1\n');
    const error = await configError(loadConfig(file, { cwd: dir }));
    assert.equal(error.line, 3);
    assert.equal(error.suggestion, undefined);
    assert.match(formatConfigError(error), /unknown key; expected one of name, seed, .*max_steps/);
  });

  it('collects every problem, the first one thrown', async () => {
    const file = await write(
      'c.yaml',
      'model: {type: mlp}\ndata: {type: synthetic_classification}\nmax_steps: 0\nbatch_size: 0\n',
    );
    const error = await configError(loadConfig(file, { cwd: dir }));
    assert.deepEqual(
      error.issues.map((issue) => [issue.field, issue.line]),
      [
        ['max_steps', 3],
        ['batch_size', 4],
      ],
    );
  });

  it('points a missing field at the section that lacks it, in the file that wrote it', async () => {
    await write('base.yaml', 'model: {type: mlp}\ndata: {type: synthetic_classification}\n');
    const file = await write(
      'child.yaml',
      'extends: base.yaml\nmax_steps: 3\ndata:\n  type: csv\n  path: t.csv\n  task: regression\n',
    );
    await write('t.csv', 'x,y\n1,2\n');
    const error = await configError(loadConfig(file, { cwd: dir }));
    assert.equal(error.kind, 'missing');
    assert.equal(error.field, 'data.target');
    assert.equal(error.file, file);
    assert.equal(error.line, 3);
  });

  it('accepts a usable text file and CSV, refuses a binary one', async () => {
    await write('corpus.txt', 'héllo wörld\n');
    await write('t.csv', '"x",y\n1,2\n');
    const text = await write('text.yaml', 'model: {type: char_lm}\ndata: {type: text, path: corpus.txt}\n');
    assert.equal((await loadConfig(text, { cwd: '/' })).data.type, 'text');
    const csv = await write(
      'csv.yaml',
      'model: {type: mlp}\ndata: {type: csv, path: t.csv, target: y, task: regression}\n',
    );
    assert.equal((await loadConfig(csv, { cwd: '/' })).data.type, 'csv');
    await writeFile(path.join(dir, 'weights.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0xff]));
    const binary = await write('bin.yaml', 'model: {type: char_lm}\ndata:\n  type: text\n  path: weights.bin\n');
    const error = await configError(loadConfig(binary, { cwd: dir }));
    assert.equal(error.kind, 'data_file');
    assert.equal(error.line, 4);
    assert.match(error.message, /binary/);
  });

  it('reports an unreadable leaf config as not found with exit code 2', async () => {
    const error = await configError(loadConfig(path.join(dir, 'nope.yaml'), { cwd: dir }));
    assert.ok(error instanceof ConfigError);
    assert.equal(error.kind, 'not_found');
    assert.equal(error.exitCode, 2);
  });

  it('refuses an extends that is not a path', async () => {
    const file = await write('c.yaml', 'extends: [a.yaml, b.yaml]\n');
    const error = await configError(loadConfig(file, { cwd: dir }));
    assert.equal(error.kind, 'extends');
    assert.equal(error.line, 1);
  });
});
