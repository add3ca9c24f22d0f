#!/usr/bin/env node
/**
 * Writes Hugging Face–layout checkpoints with REAL PyTorch: runs examples/distributed/train.py under
 * torchrun (2 processes, gloo, CPU) a few ways, into test-results/hf-fixtures/<hash>/, where <hash>
 * covers train.py and the runs configured here, so a rerun with nothing changed costs nothing.
 *
 *   node scripts/generate-hf-fixtures.mjs          prints the fixture description (JSON) on stdout
 *
 * The description is { root, runs: { <name>: { dir, args, launches: [{ args, log, exitCode }] } } }
 * or { skipped: "<reason>" } when PyTorch is not importable by $TORCH_PYTHON (default
 * /usr/bin/python3, Debian's python3-torch; the `python3` first on PATH may lack torch).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  openSync,
  closeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const trainScript = join(repoRoot, 'examples', 'distributed', 'train.py');
const python = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const cacheBase = process.env.HF_FIXTURES_DIR ?? join(repoRoot, 'test-results', 'hf-fixtures');

/** Bump when the way fixtures are produced changes; the cache key also covers train.py and the runs below. */
const FIXTURES_VERSION = 1;

/** Each run: a list of launches into the same output folder (a second launch resumes). */
const RUNS = {
  // AdamW, single-file safetensors; then resumed from the latest checkpoint up to step 6.
  adamw: [
    [
      '--max_steps',
      '4',
      '--save_steps',
      '2',
      '--learning_rate',
      '0.005',
      '--adam_beta1',
      '0.85',
      '--adam_beta2',
      '0.98',
      '--adam_epsilon',
      '1e-7',
      '--weight_decay',
      '0.01',
      '--warmup_steps',
      '0',
    ],
    [
      '--max_steps',
      '6',
      '--save_steps',
      '2',
      '--learning_rate',
      '0.005',
      '--adam_beta1',
      '0.85',
      '--adam_beta2',
      '0.98',
      '--adam_epsilon',
      '1e-7',
      '--weight_decay',
      '0.01',
      '--warmup_steps',
      '0',
      '--resume_from_checkpoint',
      'latest',
    ],
  ],
  // SGD with momentum, weights sharded with an index.
  sgd_sharded: [
    [
      '--optim',
      'sgd',
      '--momentum',
      '0.8',
      '--weight_decay',
      '0.001',
      '--learning_rate',
      '0.05',
      '--weights',
      'sharded',
      '--max_steps',
      '4',
      '--save_steps',
      '2',
      '--warmup_steps',
      '3',
    ],
  ],
};
/**
 * RMSprop, weights as pytorch_model.bin (torch.save); stopped with SIGINT to its process group once
 * it has saved checkpoint-<STOP_AFTER> and logged a step after it, so the signal's save is a new one.
 */
const STOP_RUN = [
  '--optim',
  'rmsprop',
  '--momentum',
  '0.5',
  '--learning_rate',
  '0.002',
  '--weights',
  'bin',
  '--max_steps',
  '1000',
  '--save_steps',
  '3',
  '--step_delay',
  '0.2',
];
const STOP_AFTER = 3;

function torchAvailable() {
  const result = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (result.error) return `${python} could not be run (${result.error.message})`;
  if (result.status !== 0)
    return `${python} -c 'import torch' failed: ${(result.stderr || '').trim().split('\n').pop()}`;
  return null;
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * torchrun's options. `--redirects 1 --tee 1`: Debian's torch 1.13 under Python 3.11 crashes on the
 * default `--redirects 0` (enum.Flag no longer iterates the zero member); teeing stdout works everywhere.
 */
async function torchrunArgs(workDir) {
  return [
    '-m',
    'torch.distributed.run',
    '--nproc_per_node',
    '2',
    '--master_port',
    String(await freePort()),
    '--monitor_interval',
    '1',
    '--redirects',
    '1',
    '--tee',
    '1',
    '--log_dir',
    join(workDir, 'torchelastic-logs'),
  ];
}

function launch(args, cwd, logPath, { detached = false } = {}) {
  const log = openSync(logPath, 'w');
  const child = spawn(python, args, {
    cwd,
    stdio: ['ignore', log, log],
    detached,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  closeSync(log);
  const exited = new Promise((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit(code ?? `signal ${signal}`)),
  );
  return { child, exited };
}

async function runLaunches(name, launches, workDir) {
  const dir = join(workDir, name);
  const records = [];
  for (const [i, trainArgs] of launches.entries()) {
    const args = [...(await torchrunArgs(workDir)), trainScript, '--output_dir', dir, ...trainArgs];
    const logPath = join(workDir, `${name}.${i + 1}.log`);
    const exitCode = await launch(args, workDir, logPath).exited;
    records.push({ args: trainArgs, log: logPath, exitCode });
    if (exitCode !== 0)
      throw new Error(
        `${name} launch ${i + 1} exited ${exitCode}; see ${logPath}:\n${readFileSync(logPath, 'utf8').slice(-3000)}`,
      );
  }
  return { dir, args: launches.at(-1), launches: records };
}

async function runStopped(workDir) {
  const dir = join(workDir, 'rmsprop_bin_stopped');
  const logPath = join(workDir, 'rmsprop_bin_stopped.1.log');
  const args = [...(await torchrunArgs(workDir)), trainScript, '--output_dir', dir, ...STOP_RUN];
  const { child, exited } = launch(args, workDir, logPath, { detached: true });
  const deadline = Date.now() + 120_000;
  let finished = null;
  exited.then((code) => (finished = code));
  const trainedPast = () =>
    existsSync(join(dir, `checkpoint-${STOP_AFTER}`, 'trainer_state.json')) &&
    readFileSync(logPath, 'utf8').includes(`[rank0] step ${STOP_AFTER + 1} `);
  while (!trainedPast()) {
    if (finished !== null)
      throw new Error(`rmsprop_bin_stopped run exited ${finished} before checkpoint-${STOP_AFTER}; see ${logPath}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid, 'SIGKILL');
      throw new Error(`rmsprop_bin_stopped run wrote no checkpoint-${STOP_AFTER} within 120 s; see ${logPath}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.kill(-child.pid, 'SIGINT'); // what Stop does: the whole process group
  const killer = setTimeout(() => process.kill(-child.pid, 'SIGKILL'), 45_000);
  const exitCode = await exited;
  clearTimeout(killer);
  return { dir, args: STOP_RUN, launches: [{ args: STOP_RUN, log: logPath, exitCode }], stoppedAfter: STOP_AFTER };
}

/** `<hash>.tmp-<pid>` folders of generators that died (killed test runs) are removed. */
function removeAbandonedWorkDirs() {
  for (const name of existsSync(cacheBase) ? readdirSync(cacheBase) : []) {
    const pid = Number(/\.tmp-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0); // still running: leave it
    } catch {
      rmSync(join(cacheBase, name), { recursive: true, force: true });
    }
  }
}

export async function generateHfFixtures() {
  const skipped = torchAvailable();
  if (skipped) return { skipped };
  const hash = createHash('sha256')
    .update(readFileSync(trainScript))
    .update(JSON.stringify({ FIXTURES_VERSION, RUNS, STOP_RUN, STOP_AFTER }))
    .digest('hex')
    .slice(0, 12);
  const root = join(cacheBase, hash);
  const descriptionPath = join(root, 'fixtures.json');
  if (existsSync(descriptionPath)) return JSON.parse(readFileSync(descriptionPath, 'utf8'));

  removeAbandonedWorkDirs();
  const workDir = `${root}.tmp-${process.pid}`;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const runs = {};
  // Two at a time: each launch is mostly interpreter start-up, not compute.
  const names = Object.keys(RUNS);
  const [first, ...rest] = names;
  const results = await Promise.all([
    runLaunches(first, RUNS[first], workDir),
    (async () => {
      const out = [];
      for (const name of rest) out.push(await runLaunches(name, RUNS[name], workDir));
      out.push(await runStopped(workDir));
      return out;
    })(),
  ]);
  runs[first] = results[0];
  for (const run of results[1]) runs[run.dir.split(/[\\/]/).pop()] = run;

  // Paths inside the description point at the final folder, not the temp one.
  const description = JSON.parse(JSON.stringify({ root: workDir, runs }).split(workDir).join(root));
  writeFileSync(join(workDir, 'fixtures.json'), JSON.stringify(description, null, 2));
  if (existsSync(descriptionPath)) {
    // Another test process finished the same fixtures first: keep theirs (its readers may be using it).
    rmSync(workDir, { recursive: true, force: true });
    return JSON.parse(readFileSync(descriptionPath, 'utf8'));
  }
  rmSync(root, { recursive: true, force: true }); // a partial folder without fixtures.json
  renameSync(workDir, root);
  return description;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  generateHfFixtures().then(
    (description) => process.stdout.write(`${JSON.stringify(description, null, 2)}\n`),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
