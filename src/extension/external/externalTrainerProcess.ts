/**
 * An external trainer (e.g. `torchrun ... train.py`) as a TrainerRun: spawned in its own process
 * group so Stop reaches every worker (SIGINT to the group, SIGKILL to the group after the stop
 * timeout), its output forwarded line for line, its checkpoints followed on disk and reported as
 * trainer events (HfRunFollower), and a run.json kept in the output folder so the run is found,
 * resumed and shown with its status like a native one. Exit 0 is "finished", any exit after a
 * Stop is "stopped" (torchrun itself exits 1 after SIGINT even when every worker saved), anything
 * else "failed". vscode-free and unit-tested.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { listHfCheckpoints, readTrainerState } from '../reading';
import { PROTOCOL_VERSION, type TrainerEvent } from '../../core/protocol/trainerEvents';
import type { LogStream, TrainerExit, TrainerLaunch, TrainerRun } from '../process/trainerProcess';
import { Emitter } from '../util/emitter';
import { quoteCommandLine } from './argv';
import type { ExternalTrainerPlan } from './externalConfig';
import { HfRunFollower } from './hfRunFollower';
import { writeExternalRunRecord, type ExternalRunState } from './runRecordFile';

export interface ExternalStart {
  /** Checkpoint folders before the launch (name → mtimeMs). */
  existing: ReadonlyMap<string, number>;
  /** Step of the checkpoint resumed from (-1 for a fresh run). */
  startStep: number;
  maxSteps: number | null;
  /** Whether the checkpoint resumed from holds optimizer.pt and scheduler.pt (what a resume can restore). */
  resumable: { optimizer: boolean; scheduler: boolean };
}

export interface ExternalTrainerOptions {
  /** The host's environment (the plan's env is laid over it). */
  env?: NodeJS.ProcessEnv;
  /** Poll period of the output folder; null when `filesChanged` reports its changes (the run store's watcher sees it). */
  pollMs?: number | null;
  /** Subscribes to changes of the output folder's checkpoints (the run store's watcher). */
  filesChanged?: (listener: () => void) => { dispose(): void };
  /** Signals a process group; injectable for tests. */
  killGroup?: (pgid: number, signal: NodeJS.Signals | 0) => void;
}

/** What is on disk before the launch: existing checkpoints, the resumed step, the progress total. */
export async function prepareExternalStart(plan: ExternalTrainerPlan): Promise<ExternalStart> {
  const rows = await listHfCheckpoints(plan.outputDir, { readTorchFiles: false });
  let startStep = -1;
  let stateMax: number | null = null;
  if (plan.resumeFrom) {
    const state = await readTrainerState(path.join(plan.resumeFrom, 'trainer_state.json')).catch(() => null);
    startStep = state?.global_step ?? rows.find((r) => r.path === plan.resumeFrom)?.step ?? -1;
    stateMax = state?.max_steps ?? null;
  }
  const resumed = rows.find((r) => r.path === plan.resumeFrom);
  return {
    existing: new Map(rows.map((r) => [r.name, r.mtimeMs])),
    startStep,
    maxSteps: plan.maxSteps ?? maxStepsArg(plan.argv) ?? stateMax,
    resumable: { optimizer: resumed?.hasOptimizerFile ?? false, scheduler: resumed?.hasSchedulerFile ?? false },
  };
}

/** `--max_steps N` or `--max_steps=N` on the command line (Hugging Face TrainingArguments' name). */
export function maxStepsArg(argv: readonly string[]): number | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value =
      a === '--max_steps' ? argv[i + 1] : a.startsWith('--max_steps=') ? a.slice('--max_steps='.length) : undefined;
    const n = value !== undefined ? Number(value) : NaN;
    if (Number.isInteger(n) && n > 0) return n;
  }
  return null;
}

/** What a local trainer says when it starts: `started`, and `resumed` when it resumes a checkpoint. */
export function externalStartEvents(plan: ExternalTrainerPlan, start: ExternalStart, pid: number): TrainerEvent[] {
  const startStep = Math.max(0, start.startStep);
  const events: TrainerEvent[] = [
    {
      type: 'started',
      protocol: PROTOCOL_VERSION,
      pid,
      runDir: plan.outputDir,
      configPath: plan.configPath,
      backend: {
        name: 'external',
        reason: `external trainer: ${path.basename(plan.argv[0] ?? '')}`,
        skipped: [],
        blas: null,
      },
      startStep,
      maxSteps: Math.max(1, start.maxSteps ?? startStep + 1),
      time: Date.now(),
    },
  ];
  if (plan.resumeFrom) {
    events.push({
      type: 'resumed',
      path: plan.resumeFrom,
      step: startStep,
      restoredOptimizer: start.resumable.optimizer,
      restoredScheduler: start.resumable.scheduler,
      skipped: [],
    });
  }
  return events;
}

const defaultKillGroup = (pgid: number, signal: NodeJS.Signals | 0): void => {
  process.kill(-pgid, signal);
};

export class ExternalTrainerProcess implements TrainerRun {
  readonly launch: TrainerLaunch;
  readonly exited: Promise<TrainerExit>;
  private readonly child: ChildProcess;
  private readonly events = new Emitter<TrainerEvent>();
  private readonly logs = new Emitter<{ stream: LogStream; text: string }>();
  private readonly follower: HfRunFollower;
  private readonly filesSubscription: { dispose(): void } | undefined;
  private readonly killGroup: (pgid: number, signal: NodeJS.Signals | 0) => void;
  private readonly launchedAt = Date.now();
  private stopRequested = false;
  private forcedKill = false;
  private killTimer: NodeJS.Timeout | undefined;
  private spawnError: Error | null = null;
  private exitInfo: TrainerExit | null = null;
  private finishing: Promise<TrainerExit> | null = null;
  /** run.json writes, in order (a fast exit must not be overwritten by the "training" record). */
  private recordWrites: Promise<void> = Promise.resolve();
  private recentStderr = '';

  readonly onEvent = this.events.event;
  readonly onLog = this.logs.event;

  constructor(
    readonly plan: ExternalTrainerPlan,
    start: ExternalStart,
    options: ExternalTrainerOptions = {},
  ) {
    const [program = '', ...rest] = plan.argv;
    const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env), PYTHONUNBUFFERED: '1', ...plan.env };
    delete env.ELECTRON_RUN_AS_NODE; // the editor's flag must not leak into Electron-based tools
    this.launch = { execPath: program, script: rest[0] ?? '', args: rest.slice(1), cwd: plan.cwd, env };
    this.killGroup = options.killGroup ?? defaultKillGroup;
    this.follower = new HfRunFollower({
      outputDir: plan.outputDir,
      existing: start.existing,
      reportedStep: start.startStep,
      maxSteps: start.maxSteps,
      emit: (e) => this.events.fire(e),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    });
    this.filesSubscription = options.filesChanged?.(() => this.follower.filesChanged());
    // detached: a new process group led by the child, so one signal reaches torchrun and its workers.
    this.child = spawn(program, rest, { cwd: plan.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child.stdout?.setEncoding('utf8').on('data', (t: string) => this.logs.fire({ stream: 'stdout', text: t }));
    this.child.stderr?.setEncoding('utf8').on('data', (t: string) => {
      this.recentStderr = (this.recentStderr + t).slice(-2000);
      this.logs.fire({ stream: 'stderr', text: t });
    });
    this.child.on('spawn', () => this.onSpawned(start));
    this.exited = new Promise<TrainerExit>((resolve) => {
      this.child.on('error', (err) => {
        this.spawnError = err;
        if (this.child.pid === undefined) void this.finish(null, null).then(resolve);
      });
      // Leftover processes of the group would hold the output pipes open (no 'close'): kill them at 'exit'.
      this.child.on('exit', () => this.killLeftovers());
      this.child.on('close', (code, signal) => void this.finish(code, signal).then(resolve));
    });
  }

  /** external_trainer.stop_timeout_seconds; Stop uses it instead of the setting (window closing does not). */
  get stopTimeoutMs(): number | null {
    return this.plan.stopTimeoutMs;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  get stopping(): boolean {
    return this.stopRequested && this.running;
  }

  /** SIGINT to the whole group; SIGKILL to the group when it has not exited after the timeout. */
  stop(timeoutMs: number): Promise<TrainerExit> {
    if (!this.running || this.child.pid === undefined) return this.exited;
    if (!this.stopRequested) {
      this.stopRequested = true;
      const timeout = timeoutMs;
      this.note(
        `Stop: sending SIGINT to process group ${this.child.pid}; killing it if it has not exited in ${Math.round(timeout / 1000)} s`,
      );
      this.note(stopTracebackNote(this.plan.argv));
      this.signal('SIGINT');
      this.killTimer = setTimeout(() => this.forceKill(`did not exit within ${timeout} ms of SIGINT`), timeout);
    }
    return this.exited;
  }

  forceKill(reason: string): void {
    if (!this.running || this.forcedKill || this.child.pid === undefined) return;
    this.forcedKill = true;
    this.note(`Killing process group ${this.child.pid}: ${reason}`);
    this.signal('SIGKILL');
  }

  dispose(): void {
    this.forceKill('the window is closing');
    clearTimeout(this.killTimer);
    this.follower.dispose();
    this.filesSubscription?.dispose();
    this.events.dispose();
    this.logs.dispose();
  }

  private record(state: ExternalRunState): Promise<void> {
    this.recordWrites = this.recordWrites
      .then(() => writeExternalRunRecord(this.plan, state))
      .catch((err: Error) =>
        this.note(`Could not write ${path.join(this.plan.outputDir, 'run.json')}: ${err.message}`),
      );
    return this.recordWrites;
  }

  private note(text: string): void {
    this.logs.fire({ stream: 'runner', text: `${text}\n` });
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      this.killGroup(pid, signal);
    } catch (err) {
      // ESRCH: the group is already gone. Fall back to the leader alone for anything else.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') this.child.kill(signal);
    }
  }

  private onSpawned(start: ExternalStart): void {
    const pid = this.child.pid ?? 0;
    this.note(
      `$ ${quoteCommandLine(this.plan.argv)}\n  (process group ${pid}, cwd ${this.plan.cwd}, checkpoints in ${this.plan.outputDir})`,
    );
    void this.record({ status: 'training', pid, startedAt: this.launchedAt });
    for (const event of externalStartEvents(this.plan, start, pid)) this.events.fire(event);
    this.follower.start();
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): Promise<TrainerExit> {
    this.finishing ??= this.settle(code, signal);
    return this.finishing;
  }

  private async settle(code: number | null, signal: NodeJS.Signals | null): Promise<TrainerExit> {
    clearTimeout(this.killTimer);
    // The last save (the one a Stop asks for) lands just before the exit: report it first.
    this.follower.stopWatching();
    this.filesSubscription?.dispose();
    await this.follower.poll();
    let status: TrainerExit['status'];
    let message: string | null = null;
    if (this.spawnError && this.child.pid === undefined) {
      status = 'failed';
      message = `Could not start ${this.plan.argv[0] ?? '(empty command)'}: ${this.spawnError.message}; check external_trainer.command in ${this.plan.configPath}`;
    } else if (this.stopRequested) {
      status = 'stopped';
      if (this.forcedKill)
        message =
          'The trainer did not stop in time and was killed; the last checkpoint may be older than the last step.';
    } else if (code === 0) {
      status = 'finished';
    } else {
      status = 'failed';
      const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
      const tail = this.recentStderr.trim().split('\n').slice(-3).join('\n');
      message = `${path.basename(this.plan.argv[0] ?? 'the trainer')} ${how}.${tail ? `\n${tail}` : ''}`;
    }
    const progress = this.follower.progress;
    if (status !== 'failed')
      this.events.fire({
        type: 'finished',
        status,
        step: progress.step,
        loss: progress.loss,
        durationMs: Date.now() - this.launchedAt,
      });
    if (this.child.pid !== undefined) {
      await this.record({
        status,
        pid: this.child.pid,
        startedAt: this.launchedAt,
        endedAt: Date.now(),
        exitCode: code,
        error: status === 'failed' ? message : null,
      });
    }
    this.exitInfo = { status, exitCode: code, signal, forcedKill: this.forcedKill, failure: null, message };
    return this.exitInfo;
  }

  /** No process of the group may outlive its launcher (e.g. a worker torchrun failed to reap). */
  private killLeftovers(): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      this.killGroup(pid, 0);
    } catch {
      return; // the whole group is gone
    }
    this.note(`The launcher exited but processes of its group ${pid} remain: killing them`);
    try {
      this.killGroup(pid, 'SIGKILL');
    } catch {
      // gone in between
    }
  }
}

/**
 * Said in the log on Stop: launchers report the SIGINT they pass on to their workers as a failure
 * (torchrun raises SignalException and prints its traceback), which reads like a crash but is not.
 */
export function stopTracebackNote(argv: readonly string[]): string {
  const launcher = path.basename(argv[0] ?? '');
  const what = /torchrun|torch\.distributed/.test(argv.join(' '))
    ? `${launcher === 'torchrun' ? 'torchrun' : 'torch.distributed'} prints a SignalException traceback`
    : `${launcher || 'the command'} may print a traceback`;
  return `(Expected: ${what} after this SIGINT. It is how the launcher reports the stop, not a failure; the run ends "stopped" once it has saved.)`;
}
