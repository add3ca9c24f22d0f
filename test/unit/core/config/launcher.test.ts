import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { formatConfigError, loadConfig, trainConfigJsonSchema } from '../../../../src/core/config';
import { configError } from './helpers';

const BASE = 'model: {type: mlp}\ndata: {type: synthetic_classification}\n';

describe('config: launcher section', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'config-launcher-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function load(text: string, sets: string[] = []) {
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, BASE + text);
    return loadConfig(file, { cwd: dir, sets });
  }
  const errorOf = async (text: string, sets: string[] = []) =>
    formatConfigError(await configError(load(text, sets)), { cwd: dir });

  it('defaults to the local launcher', async () => {
    assert.deepEqual((await load('')).launcher, { type: 'local' });
  });

  it('reads a slurm launcher with its defaults', async () => {
    const config = await load(
      'launcher:\n  type: slurm\n  partition: gpu\n  time: "1:00:00"\n  mem: 16G\n  gpus_per_node: 2\n',
    );
    assert.deepEqual(config.launcher, {
      type: 'slurm',
      partition: 'gpu',
      time: '1:00:00',
      mem: '16G',
      gpus_per_node: 2,
      nodes: 1,
      ntasks_per_node: 1,
      extra_args: [],
      signal_seconds_before_end: 120,
    });
  });

  it('takes the launcher from --set', async () => {
    const config = await load('', ['launcher={type: slurm, time: "10"}']);
    assert.equal(config.launcher.type, 'slurm');
  });

  it('names file, line, field and fix for a bad time limit', async () => {
    assert.equal(
      await errorOf('launcher:\n  type: slurm\n  time: 2h\n'),
      'c.yaml:5:9: launcher.time: "2h" is not a Slurm time limit; expected minutes, MM:SS, HH:MM:SS or D-HH:MM:SS; write a Slurm time limit such as "30" (minutes), "2:00:00" or "1-12:00:00", quoted',
    );
  });

  it('refuses a signal that is not before the end of the time limit', async () => {
    assert.equal(
      await errorOf('launcher:\n  type: slurm\n  time: "1"\n  signal_seconds_before_end: 60\n'),
      'c.yaml:6:30: launcher.signal_seconds_before_end: 60 s is not before the end of a 60 s time limit; expected fewer seconds than launcher.time; use fewer seconds than the time limit, e.g. 120 for a limit of an hour or more',
    );
  });

  it('refuses extra_args that would change what the batch script relies on', async () => {
    const message = await errorOf('launcher:\n  type: slurm\n  extra_args: ["--exclusive", "--signal=B:TERM@10"]\n');
    assert.match(
      message,
      /^c\.yaml:5:31: launcher\.extra_args\.1: --signal is set by Training Runs; expected other sbatch options; remove it/,
    );
  });

  it('suggests the nearest key and the type that owns a field', async () => {
    assert.match(
      await errorOf('launcher:\n  type: slurm\n  partion: gpu\n'),
      /launcher\.partion: unknown key; did you mean "partition"\?/,
    );
    assert.match(
      await errorOf('launcher:\n  type: local\n  partition: gpu\n'),
      /launcher\.partition: not a field of launcher type "local".*belongs to launcher type "slurm"/,
    );
    assert.match(
      await errorOf('launcher:\n  type: slrum\n'),
      /launcher\.type: unknown type "slrum".*did you mean "slurm"\?/,
    );
  });

  it('moves a stray launcher key under launcher:', async () => {
    assert.match(
      await errorOf('partition: gpu\n'),
      /partition: unknown top-level key.*did you mean launcher\.partition\? move it under "launcher:"/,
    );
  });

  it('is in the JSON schema for config files', () => {
    const schema = trainConfigJsonSchema() as { properties: Record<string, unknown> };
    assert.match(JSON.stringify(schema.properties['launcher']), /signal_seconds_before_end/);
  });
});
