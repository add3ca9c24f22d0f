import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkDataFile } from '../../../../src/core/config/dataFiles';
import type { SourcePos } from '../../../../src/core/config/errors';
import { configError } from './helpers';

const pathAt: SourcePos = { file: '/p/train.yaml', line: 4, column: 9 };
const targetAt: SourcePos = { file: '/p/train.yaml', line: 5, column: 11 };
const SNIFF_BYTES = 64 * 1024;

describe('config: data file checks', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'config-data-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const put = async (name: string, content: string | Uint8Array) => {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  };
  const text = (file: string) => ({ type: 'text' as const, path: file });
  const csv = (file: string, target: string) => ({ type: 'csv' as const, path: file, target });

  it('accepts a text file and a CSV whose header has the target column', async () => {
    await checkDataFile(text(await put('a.txt', 'hello\n')), pathAt, targetAt);
    await checkDataFile(csv(await put('a.csv', 'x, "y" ,z\n1,2,3\n'), 'y'), pathAt, targetAt);
    await checkDataFile(csv(await put('crlf.csv', 'x,y\r\n1,2\r\n'), 'y'), pathAt, targetAt);
    await checkDataFile(csv(await put('bom.csv', '\uFEFFy,x\n1,2\n'), 'y'), pathAt, targetAt);
  });

  it('names a missing file at the path field of its section, with the fix', async () => {
    const missing = path.join(dir, 'nope.csv');
    const error = await configError(checkDataFile(csv(missing, 'y'), pathAt, targetAt, 'eval_data'));
    assert.equal(error.kind, 'data_file');
    assert.equal(error.field, 'eval_data.path');
    assert.equal(error.line, 4);
    assert.equal(error.column, 9);
    assert.equal(error.message, `file not found: ${missing}`);
    assert.equal(error.expected, 'a CSV file with a header row');
    assert.equal(error.suggestion, 'paths are relative to the config file that sets them');
  });

  it('refuses a folder and an empty file, saying what was expected', async () => {
    const folder = path.join(dir, 'folder');
    await mkdir(folder);
    const notFile = await configError(checkDataFile(text(folder), pathAt, targetAt));
    assert.equal(notFile.message, `${folder} is not a file`);
    assert.equal(notFile.field, 'data.path');
    assert.equal(notFile.expected, 'a non-empty UTF-8 text file');
    assert.equal(notFile.suggestion, undefined);
    const empty = await put('empty.txt', '');
    const emptyError = await configError(checkDataFile(text(empty), pathAt, targetAt));
    assert.equal(emptyError.message, `${empty} is empty`);
  });

  it('refuses a file with a NUL byte or invalid UTF-8 as binary', async () => {
    for (const bytes of [Uint8Array.from([0x61, 0x00, 0x62]), Uint8Array.from([0x61, 0xff, 0x62])]) {
      const file = await put('blob.txt', bytes);
      const error = await configError(checkDataFile(text(file), pathAt, targetAt));
      assert.equal(error.message, `${file} looks binary, not text`);
    }
  });

  it('reads only the first 64 KiB, where a character cut at the end is fine', async () => {
    // 'é' is two bytes: placed across the sniff boundary, the sample ends in half a character.
    const split = Buffer.concat([Buffer.alloc(SNIFF_BYTES - 1, 'a'), Buffer.from('é'), Buffer.from('tail\n')]);
    await checkDataFile(text(await put('big.txt', split)), pathAt, targetAt);
    // A NUL after the sample is not seen.
    const lateNul = Buffer.concat([Buffer.alloc(SNIFF_BYTES, 'a'), Buffer.from([0])]);
    await checkDataFile(text(await put('late.txt', lateNul)), pathAt, targetAt);
  });

  it('refuses a whole file that ends in half a character', async () => {
    const file = await put('cut.txt', Buffer.concat([Buffer.from('ab'), Buffer.from('é').subarray(0, 1)]));
    const error = await configError(checkDataFile(text(file), pathAt, targetAt));
    assert.match(error.message, /looks binary/);
  });

  it('names a missing target column at the target field, with the columns and the nearest one', async () => {
    const file = await put('t.csv', 'x,"price",zone\n1,2,3\n');
    const error = await configError(checkDataFile(csv(file, 'prices'), pathAt, targetAt, 'eval_data'));
    assert.equal(error.kind, 'data_file');
    assert.equal(error.field, 'eval_data.target');
    assert.equal(error.line, 5);
    assert.equal(error.column, 11);
    assert.equal(error.message, `column "prices" is not in the header of ${file}`);
    assert.equal(error.expected, 'one of x, price, zone');
    assert.equal(error.suggestion, 'did you mean "price"?');
    const far = await configError(checkDataFile(csv(file, 'label'), pathAt, targetAt));
    assert.equal(far.field, 'data.target');
    assert.equal(far.suggestion, undefined);
  });

  it('takes the header from the first line only', async () => {
    const file = await put('rows.csv', 'x,z\ny,1\n');
    const error = await configError(checkDataFile(csv(file, 'y'), pathAt, targetAt));
    assert.equal(error.expected, 'one of x, z');
  });
});
