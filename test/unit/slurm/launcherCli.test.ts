/** `train --launcher` on the command line, where no cluster is needed. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertOneLine, buildTrainer, cli } from '../reliability/helpers';
import { longRun } from './helpers';

describe('train --launcher (command line)', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => buildTrainer());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'launcher-cli-'));
    writeFileSync(join(dir, 'c.yaml'), longRun(10, '{ type: local }'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses an unknown launcher and --follow without slurm, in one line each', async () => {
    const unknown = await cli(['train', '-t', 'c.yaml', '--launcher', 'cloud'], { cwd: dir });
    assert.equal(unknown.code, 2);
    assert.equal(assertOneLine(unknown.stderr), 'error: train: --launcher must be local or slurm, got "cloud"');
    const follow = await cli(['train', '-t', 'c.yaml', '--follow'], { cwd: dir });
    assert.equal(follow.code, 2);
    assert.equal(assertOneLine(follow.stderr), 'error: train: --follow needs --launcher slurm');
  });

  it('without Slurm installed says so in one line, after writing the batch script it would have submitted', async () => {
    // An empty PATH: no sbatch (the helper starts node by its full path).
    const result = await cli(['train', '-t', 'c.yaml', '--launcher', 'slurm'], { cwd: dir, env: { PATH: join(dir, 'no-bin') } });
    assert.equal(result.code, 1);
    assert.match(assertOneLine(result.stderr), /^error: sbatch not found: run where Slurm's commands are installed/);
    const script = readFileSync(join(dir, 'out', 'slurm-job.sh'), 'utf8');
    assert.match(script, /^#SBATCH --signal=B:USR1@120$/m);
    assert.match(script, /train -t .*c\.yaml --launcher local --json/);
    assert.equal(existsSync(join(dir, 'out', 'slurm-job.json')), false, 'no job recorded');
  });
});
