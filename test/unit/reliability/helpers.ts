/**
 * The real trainer command line for reliability tests: bundled once per test process into a temp
 * folder (a concurrent `npm run build` is not disturbed), spawned with plain node.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import optionalNative from '../../../scripts/optional-native.json';
import { type TrainerEvent, parseTrainerEvent } from '../../../src/core/protocol/trainerEvents';

export const repo = join(__dirname, '../../..');
const bundleDir = mkdtempSync(join(tmpdir(), 'reliability-cli-'));
const bundle = join(bundleDir, 'trainer.js');
process.once('exit', () => rmSync(bundleDir, { recursive: true, force: true }));
let built: Promise<void> | null = null;

/** The bundle built by buildTrainer(). */
export const trainerBundle = bundle;

export function buildTrainer(): Promise<void> {
  built ??= esbuild
    .build({
      entryPoints: [join(repo, 'src/trainer/cli/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      external: optionalNative,
      logLevel: 'error',
    })
    .then(() => undefined);
  return built;
}

/** Copies tfjs-backend-wasm's .wasm files next to the bundle, as dist/wasm sits next to dist/trainer.js, for runs on `wasm`. */
export function copyWasmFilesNextToBundle(): void {
  const target = join(bundleDir, 'wasm');
  if (existsSync(target)) return;
  mkdirSync(target);
  const wasmDir = join(repo, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
    copyFileSync(join(wasmDir, f), join(target, f));
}

/** A small, fast, deterministic run without its checkpoint settings. */
export const TINY_RUN = `name: tiny
seed: 3
max_steps: 20
batch_size: 8
backend: cpu
model: { type: mlp, hidden: [8], activation: relu }
data: { type: synthetic_classification, samples: 64, features: 4, classes: 3, noise: 0.3 }
optimizer: { type: adam, learning_rate: 0.01 }
output_dir: out
log_steps: 5
`;

/** The tiny run saving every 5 steps and keeping all checkpoints. */
export const TINY = `${TINY_RUN}save_steps: 5
save_total_limit: null
`;

export function writeTinyConfig(dir: string, extra = ''): string {
  const path = join(dir, 'tiny.yaml');
  writeFileSync(path, TINY + extra);
  return path;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Node flags before the bundle, e.g. ['--require', preload]. */
  nodeArgs?: string[];
  onStdout?(all: string, child: ChildProcess): void;
}

export function cli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), bundle, ...args], {
      cwd: options.cwd,
      env: { ...process.env, TRAINING_RUNS_DEBUG: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      options.onStdout?.(stdout, child);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Every stdout line of `--json` must be a valid event. */
export function events(stdout: string): TrainerEvent[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const parsed = parseTrainerEvent(JSON.parse(line));
      assert.ok(parsed.ok, `line does not parse as an event: ${line}`);
      return parsed.value;
    });
}

export function eventsOf<K extends TrainerEvent['type']>(
  stdout: string,
  type: K,
): Array<Extract<TrainerEvent, { type: K }>> {
  return events(stdout).filter((e): e is Extract<TrainerEvent, { type: K }> => e.type === type);
}

/** One line on stderr, no stack trace. */
export function assertOneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at .+\(.+:\d+:\d+\)$/m, 'no stack trace');
  return lines[0]!;
}
