/** `train --launcher` on the command line, where no cluster is needed. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

  /** The run folder holds nothing the refused submit wrote. */
  const assertNothingWritten = (): void => {
    assert.equal(existsSync(join(dir, 'out', 'slurm-job.sh')), false, 'no batch script left behind');
    assert.equal(existsSync(join(dir, 'out', 'slurm-job.json')), false, 'no job recorded');
  };

  it('without Slurm installed: exit 2, one line naming sbatch and the fix, nothing written', async () => {
    // A PATH without sbatch (the helper starts node by its full path).
    const result = await cli(['train', '-t', 'c.yaml', '--launcher', 'slurm'], {
      cwd: dir,
      env: { PATH: join(dir, 'no-bin') },
    });
    assert.equal(result.code, 2);
    assert.match(
      assertOneLine(result.stderr),
      /^error: sbatch not found on PATH: submit from a cluster login node .* or add their folder to PATH$/,
    );
    assertNothingWritten();
  });

  it('with SLURM_CONF naming a missing file: exit 2, one line naming it and the fix, nothing written', async () => {
    const missing = join(dir, 'nowhere', 'slurm.conf');
    const result = await cli(['train', '-t', 'c.yaml', '--launcher', 'slurm'], {
      cwd: dir,
      env: { ...process.env, SLURM_CONF: missing },
    });
    assert.equal(result.code, 2);
    assert.equal(
      assertOneLine(result.stderr),
      `error: SLURM_CONF=${missing}, but that file does not exist or cannot be read: set SLURM_CONF to the cluster's slurm.conf, or unset it and submit from a cluster login node`,
    );
    assertNothingWritten();
  });
});
