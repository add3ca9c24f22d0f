import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readRunRecord, RUN_RECORD_FILE, writeRunRecord } from '../../../../src/core/run/index';

describe('run.json (src/core/run)', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'tr-runrecord-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (record: unknown): void => writeFileSync(path.join(dir, RUN_RECORD_FILE), JSON.stringify(record));

  it("reads back what the one writer wrote, keeping the writer's extra fields in the file", async () => {
    await writeRunRecord(dir, {
      status: 'finished',
      pid: 42,
      name: 'tiny',
      config_path: '/p/configs/tiny.yaml',
      started_at: '2026-01-02T03:04:05.000Z',
      ended_at: '2026-01-02T03:05:05.000Z',
      error: null,
      resumed_from: null,
      step: 40,
      max_steps: 40,
      backend: { name: 'cpu' },
    });
    assert.deepEqual(readdirSync(dir), [RUN_RECORD_FILE], 'no temporary file is left behind');
    assert.deepEqual((await readRunRecord(dir)).record, {
      status: 'finished',
      pid: 42,
      name: 'tiny',
      configPath: '/p/configs/tiny.yaml',
      maxSteps: 40,
      step: 40,
      startedAt: Date.parse('2026-01-02T03:04:05.000Z'),
      endedAt: Date.parse('2026-01-02T03:05:05.000Z'),
      backend: 'cpu',
      error: null,
    });
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, RUN_RECORD_FILE), 'utf8')).backend, { name: 'cpu' });
  });

  it('refuses to write a record that breaks the schema, naming the field', async () => {
    await assert.rejects(
      writeRunRecord(dir, {
        status: 'paused' as 'training',
        pid: 1,
        name: 'x',
        config_path: 'c.yaml',
        started_at: null,
        ended_at: null,
        error: null,
        resumed_from: null,
      }),
      /status/,
    );
    assert.deepEqual(readdirSync(dir), []);
  });

  it("still reads files written before the schema: external runs' started/ended and configPath", async () => {
    write({
      status: 'stopped',
      pid: 7,
      name: 'hf',
      config_path: '/p/hf.yaml',
      trainer: 'external',
      started: '2026-03-01T00:00:00.000Z',
      ended: '2026-03-01T01:00:00.000Z',
      exit_code: 0,
      error: null,
    });
    const external = (await readRunRecord(dir)).record;
    assert.equal(external?.startedAt, Date.parse('2026-03-01T00:00:00.000Z'));
    assert.equal(external?.endedAt, Date.parse('2026-03-01T01:00:00.000Z'));
    assert.equal(external?.status, 'stopped');

    write({ status: 'training', pid: 9, configPath: '/p/old.yaml', started_at: '2026-03-01T00:00:00.000Z' });
    const old = (await readRunRecord(dir)).record;
    assert.equal(old?.configPath, '/p/old.yaml');
    assert.equal(old?.startedAt, Date.parse('2026-03-01T00:00:00.000Z'));

    write({ status: 'finished', config: { config_path: '/p/nested.yaml', name: 'n', max_steps: 5 } });
    assert.deepEqual(
      [(await readRunRecord(dir)).record?.configPath, (await readRunRecord(dir)).record?.maxSteps],
      ['/p/nested.yaml', 5],
    );
  });

  it('turns a broken or wrong file into a problem naming the file, and a missing one into nothing', async () => {
    assert.deepEqual(await readRunRecord(dir), { record: null, problem: null });
    writeFileSync(path.join(dir, RUN_RECORD_FILE), '{"status": "training",');
    assert.match((await readRunRecord(dir)).problem ?? '', /run\.json: not valid JSON/);
    write({ status: 'paused' });
    assert.match((await readRunRecord(dir)).problem ?? '', /run\.json:.*status/s);
  });
});
