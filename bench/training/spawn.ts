/** Runs one measurement in a child process and parses its last JSON line. */
import { spawn } from 'node:child_process';

export interface Measurement {
  model: string;
  backend: string;
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  loss: number;
  detail: string;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be spawned. */
  error: Error | null;
}

/** Runs a command to its end (SIGKILL after `timeoutMs`), collecting its output; never rejects. */
export function runChild(
  command: string,
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr, error });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, error: null });
    });
  });
}

/** Runs one measurement and parses its last stdout line as JSON; rejects with the reason otherwise. */
export async function runJson<T>(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<T> {
  const { code, signal, stdout, stderr, error } = await runChild(command, args, timeoutMs, env);
  if (error) throw error;
  const line = stdout.trim().split('\n').pop() ?? '';
  if (code === 0 && line.startsWith('{')) return JSON.parse(line) as T;
  const why = signal ? `killed by ${signal} after ${timeoutMs / 1000} s` : `exit code ${code}`;
  throw new Error(`${[command, ...args].join(' ')}: ${why}: ${(stderr.trim().split('\n').pop() ?? '').slice(0, 300)}`);
}

/** Whether Debian's torch is importable by /usr/bin/python3 (the python3 on PATH may be another one). */
export async function torchVersion(python: string): Promise<string | null> {
  try {
    const out = await runJson<{ version: string }>(
      python,
      ['-c', 'import json, torch; print(json.dumps({"version": torch.__version__}))'],
      process.env,
      60_000,
    );
    return out.version;
  } catch {
    return null;
  }
}
