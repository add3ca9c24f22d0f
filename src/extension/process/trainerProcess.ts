/**
 * One trainer child process: forked with an IPC channel, every message validated with the shared
 * protocol schema (garbage is reported, never trusted), graceful stop then a forced kill after a
 * timeout, and no child left behind on dispose. vscode-free so it is unit-tested in plain Node.
 */
import { fork, type ChildProcess } from 'node:child_process';
import {
  parseTrainerEvent,
  startedProtocolMismatch,
  type TrainerCommand,
  type TrainerEvent,
  type TrainerEventOf,
} from '../../core/protocol/trainerEvents';
import type { EndedRunStatus } from '../../core/run/status';
import { Emitter, type Disposable, type Listener } from '../util/emitter';
import type { ClusterJobView } from '../store/runView';

export interface TrainerLaunch {
  /** Executable that runs the trainer script (a Node binary, or Electron with ELECTRON_RUN_AS_NODE). */
  execPath: string;
  /** The trainer bundle, e.g. <extension>/dist/trainer.js. */
  script: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface TrainerExit {
  status: EndedRunStatus;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when the trainer ignored the stop request and was killed after the timeout. */
  forcedKill: boolean;
  /** The trainer's own `failed` event, when it sent one (config errors carry file and line). */
  failure: TrainerEventOf<'failed'> | null;
  /** Set when the trainer died without explaining itself (crash, spawn error, bad exit). */
  message: string | null;
}

export type LogStream = 'stdout' | 'stderr' | 'runner';

export interface TrainerProcessOptions {
  /**
   * Kill the trainer when no valid event arrived for this long (trainingRuns.hangTimeoutSeconds):
   * a hung trainer is reported and cleaned up instead of training forever. 0 or absent: never.
   */
  silenceTimeoutMs?: number;
}

/**
 * What the training service and the UI need of a running trainer: the built-in one (TrainerProcess)
 * or an external command (src/extension/external/externalTrainerProcess.ts).
 */
export interface TrainerRun extends Disposable {
  readonly launch: TrainerLaunch;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly stopping: boolean;
  readonly onEvent: (listener: Listener<TrainerEvent>) => Disposable;
  readonly onLog: (listener: Listener<{ stream: LogStream; text: string }>) => Disposable;
  readonly exited: Promise<TrainerExit>;
  /** Its own stop timeout (an external trainer's config), used by Stop instead of the setting. */
  readonly stopTimeoutMs?: number | null;
  /** True for work that is not this window's process (a cluster job): closing the window leaves it running. */
  readonly outlivesWindow?: boolean;
  /** A cluster job's state as it changes (pending, running, requeued, ...); absent for local processes. */
  readonly onJobState?: (listener: Listener<ClusterJobView>) => Disposable;
  stop(timeoutMs: number): Promise<TrainerExit>;
  forceKill(reason: string): void;
}

export class TrainerProcess implements TrainerRun {
  private readonly child: ChildProcess;
  private readonly eventEmitter = new Emitter<TrainerEvent>();
  private readonly logEmitter = new Emitter<{ stream: LogStream; text: string }>();
  private finishedEvent: TrainerEventOf<'finished'> | null = null;
  private failedEvent: TrainerEventOf<'failed'> | null = null;
  private stopRequested = false;
  private forcedKill = false;
  private killTimer: NodeJS.Timeout | undefined;
  private spawnError: Error | null = null;
  private exitInfo: TrainerExit | null = null;
  private recentStderr = '';
  private silenceTimer: NodeJS.Timeout | undefined;
  private hung = false;
  /** Set when the trainer announced another protocol version: it is stopped, and this is the reason. */
  private protocolError: string | null = null;

  readonly onEvent = this.eventEmitter.event;
  /** Trainer output and the runner's own notes (protocol violations, kill), for the output channel. */
  readonly onLog = this.logEmitter.event;
  /** Resolves once the process has exited and its streams are drained; never rejects. */
  readonly exited: Promise<TrainerExit>;

  constructor(
    readonly launch: TrainerLaunch,
    private readonly options: TrainerProcessOptions = {},
  ) {
    this.child = fork(launch.script, launch.args, {
      execPath: launch.execPath,
      execArgv: [],
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Same process group as the host: if the window dies hard the OS takes the group down too.
      detached: false,
    });
    this.child.stdout
      ?.setEncoding('utf8')
      .on('data', (t: string) => this.logEmitter.fire({ stream: 'stdout', text: t }));
    this.child.stderr?.setEncoding('utf8').on('data', (t: string) => {
      this.recentStderr = (this.recentStderr + t).slice(-2000);
      this.logEmitter.fire({ stream: 'stderr', text: t });
    });
    this.child.on('message', (raw) => this.handleMessage(raw));
    this.armSilenceTimer();
    this.exited = new Promise<TrainerExit>((resolve) => {
      this.child.on('error', (err) => {
        // 'error' without 'close' happens when the executable cannot be spawned at all.
        this.spawnError = err;
        if (this.child.pid === undefined) resolve(this.finish(null, null));
      });
      this.child.on('close', (code, signal) => resolve(this.finish(code, signal)));
    });
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

  /**
   * Ask the trainer to finish its step, save and exit; kill it when it has not exited after
   * `timeoutMs`. Resolves with the exit.
   */
  stop(timeoutMs: number): Promise<TrainerExit> {
    if (!this.running) return this.exited;
    if (!this.stopRequested) {
      this.stopRequested = true;
      const command: TrainerCommand = { type: 'stop' };
      try {
        if (this.child.connected) this.child.send(command);
        else this.child.kill('SIGINT');
      } catch {
        this.child.kill('SIGINT');
      }
      this.killTimer = setTimeout(
        () => this.forceKill(`did not exit within ${timeoutMs} ms of the stop request`),
        timeoutMs,
      );
    }
    return this.exited;
  }

  /** Kill now (window closing, second Stop). */
  forceKill(reason: string): void {
    if (!this.running || this.forcedKill) return;
    this.forcedKill = true;
    this.logEmitter.fire({ stream: 'runner', text: `Killing trainer (pid ${this.child.pid ?? '?'}): ${reason}\n` });
    this.child.kill('SIGKILL');
  }

  dispose(): void {
    this.forceKill('the window is closing');
    clearTimeout(this.killTimer);
    clearTimeout(this.silenceTimer);
    this.eventEmitter.dispose();
    this.logEmitter.dispose();
  }

  private handleMessage(raw: unknown): void {
    if (this.protocolError) return; // being killed: nothing it says can be understood
    const mismatch = startedProtocolMismatch(raw);
    if (mismatch) {
      this.protocolError = mismatch;
      this.forceKill(mismatch);
      return;
    }
    const parsed = parseTrainerEvent(raw);
    if (!parsed.ok) {
      const shown = JSON.stringify(raw)?.slice(0, 200) ?? String(raw);
      this.logEmitter.fire({
        stream: 'runner',
        text: `Ignored an invalid message from the trainer: ${shown}\n  ${parsed.error.replace(/\n/g, '\n  ')}\n`,
      });
      return;
    }
    const event = parsed.value;
    this.armSilenceTimer();
    if (event.type === 'finished') this.finishedEvent = event;
    if (event.type === 'failed') this.failedEvent = event;
    this.eventEmitter.fire(event);
  }

  /** (Re)starts the hang watchdog: garbage does not count as a sign of life, only valid events. */
  private armSilenceTimer(): void {
    const ms = this.options.silenceTimeoutMs ?? 0;
    if (!(ms > 0) || this.exitInfo) return;
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      this.hung = true;
      this.forceKill(`no event for ${ms / 1000} s (trainingRuns.hangTimeoutSeconds): it looks hung`);
    }, ms);
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): TrainerExit {
    if (this.exitInfo) return this.exitInfo;
    clearTimeout(this.killTimer);
    clearTimeout(this.silenceTimer);
    let status: EndedRunStatus;
    let message: string | null = null;
    if (this.spawnError && code === null && signal === null) {
      status = 'failed';
      message = `Could not start the trainer with ${this.launch.execPath}: ${this.spawnError.message}`;
    } else if (this.protocolError) {
      status = 'failed';
      message = this.protocolError;
    } else if (this.failedEvent) {
      status = 'failed';
    } else if (this.finishedEvent && code === 0) {
      status = this.finishedEvent.status;
    } else if (this.hung) {
      status = 'failed';
      const seconds = (this.options.silenceTimeoutMs ?? 0) / 1000;
      message = `The trainer sent no event for ${seconds} s and was killed (it looked hung; raise trainingRuns.hangTimeoutSeconds if its steps or saves are that slow). The last checkpoint may be older than the last step.`;
    } else if (this.stopRequested && (this.forcedKill || code === 0)) {
      // Asked to stop and gone: stopped, even if it had to be killed (then without a final save).
      status = 'stopped';
      if (this.forcedKill)
        message =
          'The trainer did not stop in time and was killed; the last checkpoint may be older than the last step.';
    } else {
      status = 'failed';
      const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
      const tail = this.recentStderr.trim().split('\n').slice(-3).join('\n');
      message = `The trainer ${how} without reporting a result.${tail ? `\n${tail}` : ''}`;
    }
    this.exitInfo = { status, exitCode: code, signal, forcedKill: this.forcedKill, failure: this.failedEvent, message };
    return this.exitInfo;
  }
}
