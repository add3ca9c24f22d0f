/** checkSlurmSetup: what a machine needs before a job is written and submitted. */
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSlurmSetup, SlurmSetupError } from '../../../../src/core/slurm/setup';

describe('checkSlurmSetup', () => {
  let dir: string;
  let bin: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'slurm-setup-'));
    bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'sbatch'), '#!/bin/sh\n');
    chmodSync(join(bin, 'sbatch'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes with sbatch on PATH and SLURM_CONF naming a readable file', async () => {
    writeFileSync(join(dir, 'slurm.conf'), 'ClusterName=x\n');
    await checkSlurmSetup({ PATH: bin, SLURM_CONF: join(dir, 'slurm.conf') }, []);
  });

  it('passes with SLURM_CONF unset when a default configuration exists', async () => {
    writeFileSync(join(dir, 'slurm.conf'), 'ClusterName=x\n');
    await checkSlurmSetup({ PATH: bin }, [join(dir, 'missing.conf'), join(dir, 'slurm.conf')]);
  });

  it('refuses with SLURM_CONF unset and no default configuration, naming where it looked and the fix', async () => {
    const nowhere = join(dir, 'etc', 'slurm.conf');
    await assert.rejects(checkSlurmSetup({ PATH: bin }, [nowhere]), (error: Error) => {
      assert.ok(error instanceof SlurmSetupError);
      assert.equal(
        error.message,
        `no Slurm configuration on this machine (SLURM_CONF is not set and there is no ${nowhere}): set SLURM_CONF to the cluster's slurm.conf, or submit from a cluster login node`,
      );
      return true;
    });
  });

  it('refuses a non-executable sbatch as missing', async () => {
    chmodSync(join(bin, 'sbatch'), 0o644);
    await assert.rejects(
      checkSlurmSetup({ PATH: bin, SLURM_CONF: __filename }, []),
      /^SlurmSetupError: sbatch not found on PATH/,
    );
  });
});
