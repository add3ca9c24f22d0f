/**
 * A real one-machine Slurm cluster for tests: munged, slurmctld and slurmd from Debian's packages,
 * all files in one temporary folder, on free ports, with munge's own socket (nothing system-wide is
 * touched). Installed with apt-get when missing (as root). Stopped by the PIDs in its pid files.
 * When it cannot start, startLocalSlurm() says why, so tests skip with that reason.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { freePort } from './freePort';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SlurmClient } from '../../src/core/slurm/client';

export interface LocalSlurm {
  dir: string;
  /** process.env plus SLURM_CONF: give it to every Slurm command and to whatever runs them. */
  env: NodeJS.ProcessEnv;
  client: SlurmClient;
  stop(): Promise<void>;
}

export type LocalSlurmResult = { cluster: LocalSlurm } | { skip: string };

const DAEMONS = ['slurmctld', 'slurmd', 'munged'] as const;

function onPath(program: string): boolean {
  return ['/usr/sbin', '/usr/bin', ...(process.env.PATH ?? '').split(':')].some((dir) =>
    existsSync(join(dir, program)),
  );
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeout = 30_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { env, timeout, encoding: 'utf8' }, (error, stdout, stderr) =>
      error ? reject(new Error(`${command} ${args.join(' ')}: ${(stderr || error.message).trim()}`)) : resolve(stdout),
    ),
  );
}

/** Starts a daemon that forks into the background; resolves when the starting process has exited. */
function startDaemon(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}`))));
  });
}

/** Installs slurm-wlm and munge from Debian when missing; returns why not when it cannot. */
function ensureInstalled(): string | null {
  if (['slurmctld', 'slurmd', 'munged', 'sbatch'].every(onPath)) return null;
  if (process.getuid?.() !== 0) return 'Slurm (slurm-wlm, munge) is not installed and installing it needs root';
  if (!onPath('apt-get')) return 'Slurm (slurm-wlm, munge) is not installed and there is no apt-get to install it';
  try {
    execFileSync(
      'apt-get',
      ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', 'slurm-wlm', 'munge'],
      {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        stdio: 'pipe',
        timeout: 900_000,
      },
    );
    return null;
  } catch (error) {
    return `installing slurm-wlm and munge with apt-get failed: ${String((error as { stderr?: Buffer }).stderr ?? error)
      .trim()
      .split('\n')
      .pop()}`;
  }
}

function slurmConf(dir: string, ctldPort: number, dPort: number): string {
  const node = hostname();
  const cores = cpus().length;
  return `ClusterName=trtest
SlurmctldHost=${node}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=${dir}/munge.sock
StateSaveLocation=${dir}/state
SlurmdSpoolDir=${dir}/spool
SlurmctldPidFile=${dir}/slurmctld.pid
SlurmdPidFile=${dir}/slurmd.pid
SlurmctldLogFile=${dir}/slurmctld.log
SlurmdLogFile=${dir}/slurmd.log
SlurmctldPort=${ctldPort}
SlurmdPort=${dPort}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=512
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=${node} CPUs=${cores} RealMemory=${512 * cores} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
`;
}

function pidIn(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function stopByPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; alive(pid) && waited < 10_000; waited += 100) await sleep(100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** PIDs of slurmd's job step daemons (slurmstepd) of this cluster: their working folder is inside it. */
function stepDaemonsOf(dir: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'slurmstepd' &&
          readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function stopDaemons(dir: string): Promise<void> {
  for (const daemon of DAEMONS) {
    const pid = pidIn(join(dir, `${daemon}.pid`));
    if (pid !== null) await stopByPid(pid);
  }
  // A step daemon still finishing a job would outlive slurmd.
  for (const pid of stepDaemonsOf(dir)) await stopByPid(pid);
}

/** Jobs left by a failed test would outlive the daemons: cancel them and wait (up to 30 s) until the queue is empty. */
async function cancelAllJobs(env: NodeJS.ProcessEnv): Promise<void> {
  const jobs = (await run('squeue', ['--noheader', '--format=%i'], env).catch(() => ''))
    .split('\n')
    .filter((id) => id.trim() !== '');
  if (jobs.length === 0) return;
  await run(
    'scancel',
    jobs.map((id) => id.trim()),
    env,
  ).catch(() => undefined);
  for (let waited = 0; waited < 30_000; waited += 500) {
    if ((await run('squeue', ['--noheader', '--format=%i'], env).catch(() => '')).trim() === '') return;
    await sleep(500);
  }
}

export async function startLocalSlurm(): Promise<LocalSlurmResult> {
  if (process.platform !== 'linux') return { skip: `a local Slurm cluster needs Linux (this is ${process.platform})` };
  const notInstalled = ensureInstalled();
  if (notInstalled) return { skip: notInstalled };
  if (process.getuid?.() !== 0)
    return { skip: 'the local Slurm cluster runs its daemons as root, and this is not root' };
  const dir = mkdtempSync(join(tmpdir(), 'slurm-'));
  mkdirSync(join(dir, 'state'));
  mkdirSync(join(dir, 'spool'));
  writeFileSync(join(dir, 'munge.key'), randomBytes(1024), { mode: 0o400 });
  const conf = join(dir, 'slurm.conf');
  writeFileSync(conf, slurmConf(dir, await freePort(), await freePort()));
  const env = { ...process.env, SLURM_CONF: conf };
  try {
    await startDaemon(
      'munged',
      [
        '--force',
        `--key-file=${dir}/munge.key`,
        `--socket=${dir}/munge.sock`,
        `--pid-file=${dir}/munged.pid`,
        `--log-file=${dir}/munged.log`,
        `--seed-file=${dir}/munged.seed`,
      ],
      env,
    );
    await startDaemon('slurmctld', ['-f', conf], env);
    await startDaemon('slurmd', ['-f', conf], env);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const state = await run('sinfo', ['--noheader', '--format=%T'], env).catch(() => '');
      if (state.trim() === 'idle') break;
      if (Date.now() > deadline)
        throw new Error(`the node is not idle after 30 s (sinfo: "${state.trim()}"); see ${dir}/slurmctld.log`);
      await sleep(500);
    }
  } catch (error) {
    await stopDaemons(dir);
    return { skip: `the local Slurm cluster did not start: ${(error as Error).message}` };
  }
  return {
    cluster: {
      dir,
      env,
      client: new SlurmClient({ env }),
      async stop() {
        await cancelAllJobs(env);
        await stopDaemons(dir);
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

/**
 * For a suite's `before` hook: the started cluster, or the suite skipped with the reason printed
 * (never silently) when it cannot start.
 */
export async function startOrSkip(mochaContext: Mocha.Context): Promise<LocalSlurm> {
  const started = await startLocalSlurm();
  if ('skip' in started) {
    console.log(`      skipped: ${started.skip}`);
    mochaContext.skip();
  }
  return started.cluster;
}

/** A run long enough to be interrupted: about 50-100 steps per second here on the cpu backend. */
export function longRun(maxSteps: number, launcher: string, outputDir = 'out'): string {
  return `name: cluster
seed: 3
max_steps: ${maxSteps}
batch_size: 32
backend: cpu
model: { type: mlp, hidden: [64, 64], activation: relu }
data: { type: synthetic_classification, samples: 512, features: 20, classes: 4 }
optimizer: { type: adam, learning_rate: 0.01 }
output_dir: ${outputDir}
log_steps: 50
save_steps: 100
save_total_limit: null
launcher: ${launcher}
`;
}
