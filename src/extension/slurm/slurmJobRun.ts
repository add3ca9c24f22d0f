/**
 * A run trained by a Slurm batch job, seen by the training service like a trainer process: it
 * submits the job, follows its state at a modest rate (each change goes to the run's log, e.g.
 * "job 12: pending (Resources)"), and streams the job's output file into the log, passing the
 * trainer's JSON events on, so progress, checkpoints and restarts show as for a local run. Stop asks
 * the trainer to save (scancel --signal=TERM --batch), then cancels after the timeout. Closing the
 * window stops following, never the job. vscode-free.
 */
import { open } from 'node:fs/promises';
import { parseTrainerEvent, type TrainerEvent, type TrainerEventOf } from '../../core/protocol/trainerEvents';
import type { BatchScriptSpec } from '../../core/slurm/batchScript';
import type { SlurmClient } from '../../core/slurm/client';
import { describeJob, isFinalState, type JobInfo } from '../../core/slurm/jobInfo';
import { stopJob } from '../../core/slurm/jobControl';
import { submitBatchJob, type SlurmJobRecord } from '../../core/slurm/submit';
import type { ClusterJobView } from '../store/runView';
import type { LogStream, TrainerExit, TrainerLaunch, TrainerRun } from '../process/trainerProcess';
import { Emitter } from '../util/emitter';
import type { JobFiles } from './externalJob';

export class SlurmJobRun implements TrainerRun {
  readonly pid = undefined;
  readonly outlivesWindow = true;
  readonly exited: Promise<TrainerExit>;
  private readonly events = new Emitter<TrainerEvent>();
  private readonly logs = new Emitter<{ stream: LogStream; text: string }>();
  private readonly jobStates = new Emitter<ClusterJobView>();
  readonly onEvent = this.events.event;
  readonly onLog = this.logs.event;
  readonly onJobState = this.jobStates.event;
  private job: SlurmJobRecord | null = null;
  private lastInfo: JobInfo | null = null;
  private lastFinished: TrainerEventOf<'finished'> | null = null;
  private lastFailed: TrainerEventOf<'failed'> | null = null;
  private outputOffset = 0;
  private partialLine = '';
  private following = true;
  private done = false;
  private stopRequested = false;
  private forced = false;

  /** An external trainer's job: its events come from its files on disk, not from JSON lines in its output. */
  private readonly files: JobFiles | null;

  constructor(
    readonly launch: TrainerLaunch,
    private readonly spec: BatchScriptSpec,
    private readonly client: SlurmClient,
    private readonly pollMs = 2000,
    files?: (emit: (event: TrainerEvent) => void) => JobFiles,
  ) {
    this.files = files?.((event) => this.events.fire(event)) ?? null;
    // Listeners subscribe right after construction: submit on the next turn.
    this.exited = new Promise((resolve) => setImmediate(() => void this.follow().then(resolve)));
  }

  /** The submitted job, once sbatch has answered. */
  get jobId(): string | null {
    return this.job?.jobId ?? null;
  }

  get running(): boolean {
    return !this.done;
  }

  get stopping(): boolean {
    return this.stopRequested && !this.done;
  }

  async stop(timeoutMs: number): Promise<TrainerExit> {
    if (!this.stopRequested && this.job && !this.done) {
      this.stopRequested = true;
      this.note(
        `Stop: asking job ${this.job.jobId} to save and end (scancel --signal=TERM --batch); cancelling it after ${Math.round(timeoutMs / 1000)} s`,
      );
      const outcome = await stopJob(this.client, this.job.jobId, { timeoutMs }).catch((error: Error) => {
        this.note(error.message);
        return null;
      });
      if (outcome === 'cancelled') this.forced = true;
    }
    return this.exited;
  }

  forceKill(reason: string): void {
    if (!this.job || this.done) return;
    this.forced = true;
    this.note(`cancelling job ${this.job.jobId}: ${reason}`);
    void this.client.cancel(this.job.jobId).catch((error: Error) => this.note(error.message));
  }

  dispose(): void {
    // The job belongs to the cluster: closing the window only stops following it.
    this.following = false;
    this.files?.dispose();
    this.events.dispose();
    this.logs.dispose();
    this.jobStates.dispose();
  }

  private note(text: string): void {
    this.logs.fire({ stream: 'runner', text: `${text}\n` });
  }

  private async follow(): Promise<TrainerExit> {
    try {
      this.job = await submitBatchJob(this.client, this.spec);
      this.note(`submitted job ${this.job.jobId}; batch script ${this.job.script}; output ${this.job.output}`);
      while (this.following) {
        const info = await this.client.show(this.job.jobId);
        await this.readOutput();
        if (info && (!this.lastInfo || describeJob(info) !== describeJob(this.lastInfo))) {
          this.note(describeJob(info));
          this.jobStates.fire({ jobId: info.jobId, state: info.state, reason: info.reason, restarts: info.restarts });
          if (info.state === 'RUNNING') await this.files?.running();
        }
        if (info) this.lastInfo = info;
        if (!info || isFinalState(info.state)) break;
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
      }
      await this.readOutput();
      return await this.finish(null);
    } catch (error) {
      return this.finish(error instanceof Error ? error.message : String(error));
    }
  }

  /** New complete lines of the job output file: trainer events are passed on, everything goes to the log. */
  private async readOutput(): Promise<void> {
    if (!this.job) return;
    const file = await open(this.job.output, 'r').catch(() => null);
    if (!file) return;
    try {
      const { size } = await file.stat();
      if (size <= this.outputOffset) return;
      const buffer = Buffer.alloc(size - this.outputOffset);
      await file.read(buffer, 0, buffer.length, this.outputOffset);
      this.outputOffset = size;
      const lines = (this.partialLine + buffer.toString('utf8')).split('\n');
      this.partialLine = lines.pop() ?? '';
      for (const line of lines) this.readLine(line);
    } finally {
      await file.close();
    }
  }

  private readLine(line: string): void {
    if (line.startsWith('{')) {
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        raw = undefined;
      }
      const parsed = raw === undefined ? null : parseTrainerEvent(raw);
      if (parsed?.ok) {
        const event = parsed.value;
        if (event.type === 'finished') this.lastFinished = event;
        if (event.type === 'failed') this.lastFailed = event;
        if (event.type === 'started') this.lastFinished = null;
        this.events.fire(event);
        return;
      }
    }
    this.logs.fire({ stream: 'stdout', text: `${line}\n` });
  }

  private async finish(error: string | null): Promise<TrainerExit> {
    this.done = true;
    const info = this.lastInfo;
    const state = info?.state ?? 'unknown';
    let status: TrainerExit['status'] = 'failed';
    let message: string | null = null;
    if (error) message = error;
    else if (this.lastFinished && state === 'COMPLETED') status = this.lastFinished.status;
    else if (this.files && state === 'COMPLETED') status = this.stopRequested ? 'stopped' : 'finished';
    else if (this.stopRequested) status = 'stopped';
    else
      message = `job ${this.job?.jobId} ended ${state.toLowerCase()}${info && info.reason !== 'None' ? ` (${info.reason})` : ''}; see ${this.job?.output}`;
    if (message) this.note(message);
    if (this.job) await this.files?.ended(status, message).catch((e: Error) => this.note(e.message));
    return { status, exitCode: null, signal: null, forcedKill: this.forced, failure: this.lastFailed, message };
  }
}
