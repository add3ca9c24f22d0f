/**
 * Trainer start-up: the time from launching dist/trainer.js exactly as the extension does (fork with
 * an IPC channel through TrainerProcess, command line from resolveTrainerLaunch) to its first `step`
 * event, against a bare Node start-up (`node -e 0`) timed in the same run, alternating the two.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTrainerLaunch } from '../../src/extension/process/launch';
import { type TrainerLaunch, TrainerProcess } from '../../src/extension/process/trainerProcess';
import { againstReference, errorMessage, failedResult, median, type BenchResult } from '../result';

export interface TrainerStartupPlan {
  /** dist/trainer.js (or any script speaking the trainer protocol over IPC). */
  trainerScript: string;
  /** The YAML config to train, e.g. examples/checkpointing/configs/train.yaml. */
  configPath: string;
  /** Passed as `-d`, e.g. 'wasm'. */
  device: string;
  /** Launches of each kind; the figures are medians. */
  runs: number;
  /** Per launch; a trainer without a step by then counts as a failure. */
  timeoutMs: number;
  /** Runtime for both the trainer and the reference; default this process's Node. */
  execPath?: string;
}

export interface TrainerStartupTiming {
  /** Launch to the `started` event (config loaded, backend ready), null if none came before the step. */
  startedMs: number | null;
  firstStepMs: number;
  backend: string | null;
}

export const STARTUP_NAMES = { started: 'startup_started', firstStep: 'startup_first_step' } as const;

/** Launches once, waits for the first step event, then kills the trainer (no checkpoint is waited for). */
export async function timeTrainerStartup(launch: TrainerLaunch, timeoutMs: number): Promise<TrainerStartupTiming> {
  const t0 = performance.now();
  const trainer = new TrainerProcess(launch);
  let startedMs: number | null = null;
  let backend: string | null = null;
  try {
    return await new Promise<TrainerStartupTiming>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no step event within ${timeoutMs / 1000} s`)), timeoutMs);
      trainer.onEvent((event) => {
        if (event.type === 'started') {
          startedMs = performance.now() - t0;
          backend = event.backend.name;
        } else if (event.type === 'step') {
          clearTimeout(timer);
          resolve({ startedMs, firstStepMs: performance.now() - t0, backend });
        }
      });
      void trainer.exited.then((exit) => {
        clearTimeout(timer);
        reject(
          new Error(
            `the trainer ended before its first step: ${exit.failure?.message ?? exit.message ?? `exit code ${exit.exitCode}`}`,
          ),
        );
      });
    });
  } finally {
    trainer.forceKill('bench: start-up measured');
    await trainer.exited;
    trainer.dispose();
  }
}

/** Spawn to exit of `node -e 0`: what any Node child costs before it runs a line of ours. */
export function timeBareNode(execPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`node -e 0 exited with ${code}`)),
    );
  });
}

export async function measureTrainerStartup(plan: TrainerStartupPlan): Promise<BenchResult[]> {
  const execPath = plan.execPath ?? process.execPath;
  const ids = {
    started: { group: 'trainer', name: STARTUP_NAMES.started, backend: plan.device, unit: 'ms' },
    firstStep: { group: 'trainer', name: STARTUP_NAMES.firstStep, backend: plan.device, unit: 'ms' },
  } as const;
  const outputRoot = await mkdtemp(join(tmpdir(), 'bench-trainer-startup-'));
  try {
    const trainer: TrainerStartupTiming[] = [];
    const bare: number[] = [];
    for (let i = 0; i < plan.runs; i++) {
      // Fresh run folder each time: no resume, no lock, nothing saved before step 1 (save_steps is far off).
      const request = {
        configPath: plan.configPath,
        sets: [`output_dir=${join(outputRoot, `run-${i}`)}`, 'log_steps=1'],
        device: plan.device,
      };
      const launch = resolveTrainerLaunch(
        request,
        { nodePath: '', trainerScript: plan.trainerScript },
        { execPath, electronVersion: undefined, env: process.env },
      );
      bare.push(await timeBareNode(execPath));
      trainer.push(await timeTrainerStartup(launch, plan.timeoutMs));
    }
    const reference = { name: 'node -e 0', value: median(bare) };
    const backends = [...new Set(trainer.map((t) => t.backend ?? '?'))].join(', ');
    const about = `median of ${plan.runs}; ${plan.configPath.split(/[\\/]/).slice(-3).join('/')} with log_steps=1, -d ${plan.device} (ran on ${backends}); forked with IPC like the extension; reference: spawn to exit of \`node -e 0\`, alternated with the trainer`;
    const startedTimes = trainer.map((t) => t.startedMs).filter((ms): ms is number => ms !== null);
    const firstStep = median(trainer.map((t) => t.firstStepMs));
    return [
      startedTimes.length === trainer.length
        ? againstReference(
            ids.started,
            median(startedTimes),
            reference,
            `launch to the started event (config loaded, backend ready); ${about}`,
          )
        : failedResult(ids.started, 'a trainer sent its first step without a started event before it'),
      againstReference(ids.firstStep, firstStep, reference, `launch to the first step event; ${about}`),
    ];
  } catch (error) {
    return [failedResult(ids.started, errorMessage(error)), failedResult(ids.firstStep, errorMessage(error))];
  } finally {
    await rm(outputRoot, { recursive: true, force: true });
  }
}
