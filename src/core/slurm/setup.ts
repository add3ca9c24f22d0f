/**
 * Whether this machine can submit to Slurm at all, checked before anything is written into the run
 * folder: `sbatch` on PATH and a Slurm configuration it will find. Without one, sbatch only says
 * "resolve_ctls_from_dns_srv: res_nsearch error: Unknown host", which names neither cause nor fix.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import * as path from 'node:path';

/** The machine cannot submit; the message says what is missing and how to fix it (one line). */
export class SlurmSetupError extends Error {
  override readonly name = 'SlurmSetupError';
}

/**
 * Where Slurm's commands look when SLURM_CONF is unset: the packaged defaults (Debian and most
 * distributions, older Debian, a source build) and the copy slurmd keeps on nodes of a "configless"
 * cluster. A login node that finds its controller through DNS SRV records alone has none of them:
 * its users set SLURM_CONF (the message says so).
 */
export const DEFAULT_SLURM_CONF_PATHS: readonly string[] = [
  '/etc/slurm/slurm.conf',
  '/etc/slurm-llnl/slurm.conf',
  '/usr/local/etc/slurm.conf',
  '/run/slurm/conf/slurm.conf',
];

const exists = (file: string, mode: number): Promise<boolean> =>
  access(file, mode).then(
    () => true,
    () => false,
  );

async function onPath(program: string, pathVariable: string | undefined): Promise<boolean> {
  for (const dir of (pathVariable ?? '').split(path.delimiter).filter((d) => d !== '')) {
    if (await exists(path.join(dir, program), constants.X_OK)) return true;
  }
  return false;
}

/** Throws SlurmSetupError when sbatch is missing from `env.PATH` or no Slurm configuration can be found. */
export async function checkSlurmSetup(
  env: NodeJS.ProcessEnv,
  defaultConfPaths: readonly string[] = DEFAULT_SLURM_CONF_PATHS,
): Promise<void> {
  if (!(await onPath('sbatch', env.PATH))) {
    throw new SlurmSetupError(
      "sbatch not found on PATH: submit from a cluster login node where Slurm's commands are installed, or add their folder to PATH",
    );
  }
  const conf = env.SLURM_CONF;
  if (conf !== undefined && conf !== '') {
    if (!(await exists(conf, constants.R_OK))) {
      throw new SlurmSetupError(
        `SLURM_CONF=${conf}, but that file does not exist or cannot be read: set SLURM_CONF to the cluster's slurm.conf, or unset it and submit from a cluster login node`,
      );
    }
    return;
  }
  for (const file of defaultConfPaths) if (await exists(file, constants.R_OK)) return;
  throw new SlurmSetupError(
    `no Slurm configuration on this machine (SLURM_CONF is not set and there is no ${defaultConfPaths.join(', ')}): set SLURM_CONF to the cluster's slurm.conf, or submit from a cluster login node`,
  );
}
