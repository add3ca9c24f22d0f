import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { ConfigError, formatConfigError } from '../../../../src/core/config/errors';
import { trainConfigJsonSchema } from '../../../../src/core/config/jsonSchema';
import { isExternalTrainerConfig, loadExternalTrainerConfig } from '../../../../src/extension/external/externalConfig';
import { findExternalConfigFor } from '../../../../src/extension/external/index';
import { writeHfCheckpoint } from './hfHelpers';

describe('external trainer configs', () => {
  let project: string;
  const config = (body: string, name = 'torchrun.yaml') => {
    const file = path.join(project, 'configs', name);
    writeFileSync(file, body);
    return file;
  };
  const configError = async (file: string, sets: string[] = []): Promise<ConfigError> => {
    try {
      await loadExternalTrainerConfig(file, sets);
    } catch (err) {
      assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
      return err;
    }
    assert.fail('expected the config to be refused');
  };

  beforeEach(() => {
    project = mkdtempSync(path.join(tmpdir(), 'tr-external config-'));
    mkdirSync(path.join(project, 'configs'));
  });
  afterEach(() => rmSync(project, { recursive: true, force: true }));

  const BASIC = `external_trainer:
  command: [python3, train.py, --output_dir, "{output_dir}", --max_steps, "20"]
  output_dir: runs/dist
  resume_args: [--resume_from_checkpoint, "{checkpoint}"]
  env: { OMP_NUM_THREADS: 1, RUN: "{output_dir}" }
  stop_timeout_seconds: 45
`;

  it('tells external-trainer configs from native ones without parsing them', async () => {
    assert.equal(await isExternalTrainerConfig(config(BASIC)), true);
    assert.equal(await isExternalTrainerConfig(config('max_steps: 5\nexternal: 1\n', 'native.yaml')), false);
  });

  it('resolves cwd from the project folder, output_dir from cwd, and substitutes placeholders', async () => {
    const plan = await loadExternalTrainerConfig(config(BASIC));
    const out = path.join(project, 'runs', 'dist');
    assert.equal(plan.cwd, project);
    assert.equal(plan.outputDir, out);
    assert.deepEqual(plan.argv, ['python3', 'train.py', '--output_dir', out, '--max_steps', '20']);
    assert.deepEqual(plan.env, { OMP_NUM_THREADS: '1', RUN: out });
    assert.equal(plan.resumeFrom, null);
    assert.equal(plan.stopTimeoutMs, 45_000);
    assert.equal(plan.name, 'dist');
  });

  it('splits a command written as one string, keeping a quoted path with spaces whole', async () => {
    const plan = await loadExternalTrainerConfig(
      config(
        `external_trainer:\n  command: python3 'my train.py' --output_dir {output_dir}\n  output_dir: out dir\n  cwd: sub\n`,
      ),
    );
    assert.deepEqual(plan.argv, ['python3', 'my train.py', '--output_dir', path.join(project, 'sub', 'out dir')]);
  });

  it('appends resume_args with the chosen checkpoint only when resuming, and accepts output_dir from Resume', async () => {
    const file = config(BASIC);
    const elsewhere = path.join(project, 'elsewhere');
    const checkpoint = path.join(elsewhere, 'checkpoint-10');
    const plan = await loadExternalTrainerConfig(file, [
      `resume_from_checkpoint=${JSON.stringify(checkpoint)}`,
      `output_dir=${JSON.stringify(elsewhere)}`,
    ]);
    assert.equal(plan.resumeFrom, checkpoint);
    assert.equal(plan.outputDir, elsewhere);
    assert.deepEqual(plan.argv.slice(-2), ['--resume_from_checkpoint', checkpoint]);
    assert.equal(plan.argv[3], elsewhere);
  });

  it('resumes "latest" from the newest valid checkpoint of output_dir', async () => {
    const out = path.join(project, 'runs', 'dist');
    writeHfCheckpoint(out, 10, { mtimeMs: Date.now() - 5000 });
    writeHfCheckpoint(out, 20, { mtimeMs: Date.now() });
    const plan = await loadExternalTrainerConfig(config(BASIC), ['resume_from_checkpoint=latest']);
    assert.equal(plan.resumeFrom, path.join(out, 'checkpoint-20'));
    const none = await configError(config(BASIC.replace('runs/dist', 'runs/empty'), 'empty.yaml'), [
      'resume_from_checkpoint=true',
    ]);
    assert.match(
      formatConfigError(none),
      /resume_from_checkpoint: no valid checkpoint in .*runs\/empty to resume from/,
    );
  });

  it('points at the file, line and field of an unknown key, with the nearest valid one', async () => {
    const file = config(
      `external_trainer:\n  command: [python3, train.py]\n  output_dir: out\n  resume_arg: [--resume, "{checkpoint}"]\n`,
    );
    const err = await configError(file);
    assert.equal(err.file, file);
    assert.equal(err.line, 4);
    assert.equal(err.field, 'external_trainer.resume_arg');
    assert.match(formatConfigError(err), /did you mean "resume_args"\?/);
  });

  it('names a missing output_dir and a command of the wrong type', async () => {
    const missing = await configError(config(`external_trainer:\n  command: [python3, train.py]\n`));
    assert.equal(missing.field, 'external_trainer.output_dir');
    assert.equal(missing.kind, 'missing');
    const wrong = await configError(config(`external_trainer:\n  command: 42\n  output_dir: out\n`, 'b.yaml'));
    assert.equal(wrong.field, 'external_trainer.command');
    assert.equal(wrong.line, 2);
  });

  it('points at the list item holding an unknown placeholder', async () => {
    const err = await configError(
      config(`external_trainer:\n  command:\n    - python3\n    - --out={outdir}\n  output_dir: out\n`),
    );
    assert.equal(err.line, 4);
    assert.equal(err.field, 'external_trainer.command.1');
    assert.match(err.message, /unknown placeholder \{outdir\}/);
  });

  it('refuses {checkpoint} in the command of a fresh run, Resume without resume_args, and resume_args without {checkpoint}', async () => {
    const inCommand = await configError(
      config(`external_trainer:\n  command: [python3, "{checkpoint}"]\n  output_dir: out\n`),
    );
    assert.match(inCommand.message, /placeholder \{checkpoint\} has no value here/);
    const resume = ['resume_from_checkpoint="/x/checkpoint-1"'];
    const noArgs = await configError(
      config(`external_trainer:\n  command: [python3, train.py]\n  output_dir: out\n`, 'b.yaml'),
      resume,
    );
    assert.equal(noArgs.field, 'external_trainer.resume_args');
    assert.match(formatConfigError(noArgs), /add resume_args: \[--resume_from_checkpoint, "\{checkpoint\}"\]/);
    const noPlaceholder = await configError(
      config(
        `external_trainer:\n  command: [python3, train.py]\n  output_dir: out\n  resume_args: [--resume]\n`,
        'c.yaml',
      ),
      resume,
    );
    assert.match(noPlaceholder.message, /does not mention \{checkpoint\}/);
  });

  it('refuses --set keys other than resume_from_checkpoint and output_dir, naming the --set', async () => {
    const err = await configError(config(BASIC), ['max_steps=40']);
    assert.equal(err.file, '--set');
    assert.match(
      formatConfigError(err),
      /max_steps: not accepted for an external trainer; pass max_steps to the script in external_trainer.command instead/,
    );
  });

  it('finds the config that writes to a run folder (Resume of a run without run.json)', async () => {
    const native = config('max_steps: 5\noutput_dir: runs/dist\n', 'native.yaml');
    const other = config(BASIC.replace('runs/dist', 'runs/other'), 'other.yaml');
    const broken = config('external_trainer: [1\n', 'broken.yaml');
    const mine = config(BASIC);
    const candidates = [native, broken, other, mine];
    assert.equal(await findExternalConfigFor(path.join(project, 'runs', 'dist'), candidates), mine);
    assert.equal(await findExternalConfigFor(path.join(project, 'runs', 'nowhere'), candidates), null);
  });

  it('the example config loads, and the editor schema for configs/*.yaml accepts it but not a misspelt key', async () => {
    const example = path.resolve(__dirname, '../../../../examples/distributed/configs/torchrun.yaml');
    const plan = await loadExternalTrainerConfig(example);
    assert.equal(plan.outputDir, path.resolve(path.dirname(example), '..', 'runs', 'dist'));
    assert.deepEqual(plan.argv.slice(0, 3), ['/usr/bin/python3', '-m', 'torch.distributed.run']);
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(trainConfigJsonSchema());
    const value = parse(readFileSync(example, 'utf8')) as { external_trainer: Record<string, unknown> };
    assert.equal(validate(value), true, JSON.stringify(validate.errors));
    value.external_trainer.resume_arg = [];
    assert.equal(validate(value), false);
  });
});
