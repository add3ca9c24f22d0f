/**
 * Checkpoints written by real PyTorch (examples/distributed/train.py under torchrun, 2 processes),
 * produced once by scripts/generate-hf-fixtures.mjs and cached under test-results/hf-fixtures.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

export interface FixtureLaunch {
  args: string[];
  log: string;
  exitCode: number | string;
}

export interface FixtureRun {
  dir: string;
  /** Arguments of the last launch. */
  args: string[];
  launches: FixtureLaunch[];
  stoppedAfter?: number;
}

export interface HfFixtures {
  root: string;
  runs: Record<'adamw' | 'sgd_sharded' | 'rmsprop_bin_stopped', FixtureRun>;
}

const repoRoot = resolve(__dirname, '../../../..');
let pending: Promise<HfFixtures | { skipped: string }> | null = null;

/** Runs the generator once per test process; resolves { skipped } when PyTorch is not available. */
export function loadHfFixtures(): Promise<HfFixtures | { skipped: string }> {
  pending ??= new Promise((resolveFixtures, reject) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'scripts', 'generate-hf-fixtures.mjs')],
      { maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`scripts/generate-hf-fixtures.mjs failed: ${stderr || error.message}`));
        else resolveFixtures(JSON.parse(stdout) as HfFixtures | { skipped: string });
      },
    );
  });
  return pending;
}

/** The value after `--name` in a launch's arguments. */
export function argOf(args: string[], name: string): string {
  const at = args.indexOf(`--${name}`);
  if (at < 0 || at + 1 >= args.length) throw new Error(`fixture arguments have no --${name}`);
  return args[at + 1] as string;
}

export function numberArg(args: string[], name: string): number {
  return Number(argOf(args, name));
}
