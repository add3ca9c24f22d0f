/**
 * One run's data for the loss-curves panels: the history read from `metrics.jsonl`, extended by
 * live trainer events, plus its checkpoint markers and state. Shared by every panel showing the run.
 * Free of `vscode`.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, relative, isAbsolute } from 'node:path';
import { downsampleColumns, type SeriesPayload } from '../../core/metrics/downsample';
import { emptyHistory, readAppendedMetrics, type MetricsHistory } from '../../core/metrics/metricsReader';
import { addTensorBoardScalars, readRunMetrics } from '../../core/metrics/runHistory';
import { TensorBoardLogs } from '../../core/tensorboard';
import type { CheckpointInfo } from '../../core/checkpoint/types';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import type { CheckpointMarker, ResumeMarkerMessage, RunSnapshot, RunState } from '../../core/protocol/webview';

export type ListCheckpoints = (runDir: string) => Promise<CheckpointInfo[]>;

/** What a live event changes, for the panels to forward. */
/** A point of a metric other than loss and lr; time in seconds since the epoch (null: unknown). */
export interface ScalarChange {
  name: string;
  step: number;
  value: number | null;
  time: number | null;
}

export type FeedChange =
  | { kind: 'point'; step: number; loss: number | null; lr: number | null; time: number | null }
  | { kind: 'scalars'; points: ScalarChange[] }
  | { kind: 'resumed'; marker: ResumeMarkerMessage }
  | { kind: 'state'; state: RunState }
  | { kind: 'checkpointsChanged' }
  /** The run's files were replaced (a fresh start into its folder): panels take a new snapshot. */
  | { kind: 'reloaded' };

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** While trainer events arrive, they are the live source; the file is only followed without them. */
const EVENTS_QUIET_MS = 3000;
const TAIL_DEBOUNCE_MS = 200;
const CHECKPOINT_RECHECK_MS = 5000;
/** TensorBoard logs sit in subfolders (fs.watch is not recursive on Linux): they are polled. */
const TENSORBOARD_POLL_MS = 1000;
/** Metrics that trainer events carry themselves (the rest of a metrics row is taken from the file). */
const EVENT_METRICS = new Set(['epoch', 'examples_per_sec', 'steps_per_sec']);

export class RunFeed {
  private history: MetricsHistory | null = null;
  private loading: Promise<MetricsHistory> | null = null;
  /** Events that arrived while the file was being read; applied after it. */
  private early: TrainerEvent[] = [];
  checkpoints: CheckpointMarker[] = [];
  state: RunState = 'unknown';
  private lastEventAt = -Infinity;
  private lastCheckpointCheck = 0;
  private watcher: FSWatcher | null = null;
  private tailTimer: ReturnType<typeof setTimeout> | null = null;
  private tailing: Promise<void> = Promise.resolve();
  private readonly tensorboard: TensorBoardLogs;
  private tensorboardTimer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly runDir: string,
    readonly label: string,
    private readonly listCheckpoints: ListCheckpoints,
    private readonly log: (message: string) => void,
  ) {
    this.tensorboard = new TensorBoardLogs(runDir);
  }

  /** Reads the history (metrics.jsonl, or a Hugging Face run's log_history) once, the checkpoint list and run.json's status. */
  async load(): Promise<void> {
    this.loading ??= readRunMetrics(this.runDir).then(async (h) => {
      const tensorboard = await this.tensorboard.readNew();
      addTensorBoardScalars(h.scalars, tensorboard.points);
      for (const p of [...h.problems, ...tensorboard.problems]) this.log(p);
      if (h.problemCount > h.problems.length) this.log(`${this.runDir}/metrics.jsonl: ${h.problemCount - h.problems.length} more malformed lines skipped`);
      this.history = h;
      for (const e of this.early.splice(0)) this.apply(e);
      return h;
    });
    await Promise.all([this.loading, this.refreshCheckpoints(), this.state === 'unknown' ? this.readStatus() : undefined]);
  }

  /** Forgets what was read and reads the run again (its history was moved aside). */
  async reload(): Promise<void> {
    this.history = null;
    this.loading = null;
    this.early = [];
    await this.load();
  }

  async refreshCheckpoints(): Promise<void> {
    let infos: CheckpointInfo[];
    try {
      infos = await this.listCheckpoints(this.runDir);
    } catch (error) {
      this.log(`could not list checkpoints of ${this.runDir}: ${(error as Error).message}`);
      return;
    }
    const best = await this.bestCheckpointName(infos);
    this.checkpoints = infos.map((c) => ({
      name: c.name,
      path: c.path,
      step: c.step,
      valid: c.valid,
      latest: c.latest,
      best: c.name === best,
      problems: c.problems,
      mtimeMs: c.mtimeMs,
    }));
  }

  /** True when `path` is one of this run's listed checkpoints (and inside the run folder). */
  ownsCheckpoint(path: string): CheckpointMarker | undefined {
    const rel = relative(this.runDir, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return this.checkpoints.find((c) => c.path === path);
  }

  get totalPoints(): number {
    return this.history?.series.length ?? 0;
  }

  snapshot(maxPoints: number): RunSnapshot {
    const series = this.history?.series;
    const empty: SeriesPayload = { steps: [], loss: [], lr: [], time: [] };
    return {
      runDir: this.runDir,
      label: this.label,
      state: this.state,
      series: series ? downsampleColumns(series.columns(), 0, series.length, maxPoints) : empty,
      totalPoints: this.totalPoints,
      checkpoints: this.checkpoints,
      resumes: this.history?.resumes ?? [],
      scalars: this.history?.scalars.payload(maxPoints) ?? {},
    };
  }

  /** Every point in [fromStep, toStep], downsampled to maxPoints when there are more. */
  range(fromStep: number, toStep: number, maxPoints: number): SeriesPayload {
    const series = this.history?.series;
    if (!series) return { steps: [], loss: [], lr: [], time: [] };
    const [lo, hi] = series.indexRange(fromStep, toStep);
    return downsampleColumns(series.columns(), lo, hi, maxPoints);
  }

  /**
   * Follows metrics.jsonl, so a run trained from the command line or another window streams in
   * too. Lines that arrive while trainer events flow are skipped (the events already carried them).
   */
  follow(onChanges: (changes: FeedChange[]) => void): void {
    if (this.watcher) return;
    this.tensorboardTimer = setInterval(() => {
      this.tailing = this.tailing.then(() => this.tailTensorBoard(onChanges));
    }, TENSORBOARD_POLL_MS);
    try {
      this.watcher = watch(this.runDir, (_event, file) => {
        if (file === 'run.json') {
          // The trainer rewrites run.json on each status change (and at its end).
          void this.statusFromFile().then((changes) => changes.length > 0 && onChanges(changes));
          return;
        }
        if (file !== null && file !== 'metrics.jsonl') return;
        if (this.tailTimer !== null) return;
        this.tailTimer = setTimeout(() => {
          this.tailTimer = null;
          this.tailing = this.tailing.then(() => this.tail(onChanges));
        }, TAIL_DEBOUNCE_MS);
      });
      this.watcher.on('error', (error) => {
        this.log(`stopped following ${this.runDir}/metrics.jsonl: ${error.message}`);
        this.dispose();
      });
    } catch (error) {
      this.log(`cannot follow ${this.runDir}/metrics.jsonl: ${(error as Error).message}`);
    }
  }

  dispose(): void {
    if (this.tensorboardTimer !== null) clearInterval(this.tensorboardTimer);
    this.tensorboardTimer = null;
    this.watcher?.close();
    this.watcher = null;
    if (this.tailTimer !== null) clearTimeout(this.tailTimer);
    this.tailTimer = null;
  }

  private async tail(onChanges: (changes: FeedChange[]) => void): Promise<void> {
    const history = this.history;
    if (!history) return;
    const quiet = Date.now() - this.lastEventAt > EVENTS_QUIET_MS;
    // With events flowing, parse into a scratch history only to move the read position on.
    const target = quiet ? history : { ...emptyHistory(), bytesRead: history.bytesRead, lines: history.lines, skippingLongLine: history.skippingLongLine };
    const problemsBefore = target.problems.length;
    const changes: FeedChange[] = [];
    try {
      const scalars: ScalarChange[] = [];
      const ok = await readAppendedMetrics(join(this.runDir, 'metrics.jsonl'), target, {
        point: (step, loss, lr, time) => void (quiet && changes.push({ kind: 'point', step, loss: finiteOrNull(loss), lr: finiteOrNull(lr), time: finiteOrNull(time) })),
        scalar: (name, step, value, time) => {
          const point = { name, step, value: finiteOrNull(value), time: finiteOrNull(time) };
          if (quiet) scalars.push(point); // parsed into the history itself
          else if (!EVENT_METRICS.has(name)) {
            // Rows events do not carry (evaluations) are taken from the file even while events flow.
            history.scalars.append(name, step, value, time);
            scalars.push(point);
          }
        },
        resumed: (marker) => void (quiet && changes.push({ kind: 'resumed', marker })),
      });
      if (scalars.length > 0) changes.push({ kind: 'scalars', points: scalars });
      history.bytesRead = target.bytesRead;
      history.lines = target.lines;
      history.skippingLongLine = target.skippingLongLine;
      if (!ok) this.log(`${this.runDir}/metrics.jsonl was rewritten; reopen the panel to reload it`);
      for (const p of target.problems.slice(problemsBefore)) this.log(p);
    } catch (error) {
      this.log(`could not read ${this.runDir}/metrics.jsonl: ${(error as Error).message}`);
    }
    // Checkpoints are saved as the run goes: re-list now and then while lines come in.
    if (changes.length > 0 && Date.now() - this.lastCheckpointCheck > CHECKPOINT_RECHECK_MS) {
      this.lastCheckpointCheck = Date.now();
      changes.push({ kind: 'checkpointsChanged' });
    }
    if (changes.length > 0) onChanges(changes);
  }

  /** Scalars appended to the run's TensorBoard event files since the last poll. */
  private async tailTensorBoard(onChanges: (changes: FeedChange[]) => void): Promise<void> {
    if (!this.history) return;
    const { points, problems } = await this.tensorboard.readNew();
    for (const p of problems) this.log(p);
    if (points.length === 0) return;
    addTensorBoardScalars(this.history.scalars, points);
    onChanges([{ kind: 'scalars', points: points.map((p) => ({ name: p.tag, step: p.step, value: finiteOrNull(p.value), time: finiteOrNull(p.wallTime) })) }]);
  }

  /** The status in run.json, applied when no trainer events speak for this run. */
  private async statusFromFile(): Promise<FeedChange[]> {
    if (Date.now() - this.lastEventAt <= EVENTS_QUIET_MS) return [];
    const status = await this.fileStatus();
    if (status === null || status === this.state) return [];
    return [...this.setState(status), { kind: 'checkpointsChanged' }];
  }

  /** Applies a trainer event to the history; returns what changed for the panels. */
  apply(event: TrainerEvent): FeedChange[] {
    this.lastEventAt = Date.now();
    if (!this.history) {
      if (this.loading) this.early.push(event);
      return this.stateChanges(event);
    }
    switch (event.type) {
      case 'step': {
        const time = Date.now() / 1000;
        this.history.series.append(event.step, event.loss, event.lr, time);
        const scalars: ScalarChange[] = [
          { name: 'epoch', step: event.step, value: event.epoch, time },
          { name: 'examples_per_sec', step: event.step, value: finiteOrNull(event.examplesPerSec), time },
          { name: 'steps_per_sec', step: event.step, value: finiteOrNull(event.stepsPerSec), time },
        ];
        for (const p of scalars) this.history.scalars.append(p.name, p.step, p.value ?? Number.NaN, time);
        return [
          { kind: 'point', step: event.step, loss: finiteOrNull(event.loss), lr: finiteOrNull(event.lr), time },
          { kind: 'scalars', points: scalars },
        ];
      }
      case 'resumed': {
        const marker = { step: event.step, from: basename(event.path), time: Date.now() };
        this.history.series.truncateAfter(event.step);
        this.history.scalars.truncateAfter(event.step);
        this.history.resumes = [...this.history.resumes.filter((r) => r.step <= event.step), marker];
        return [{ kind: 'resumed', marker }, ...this.stateChanges(event)];
      }
      default:
        return this.stateChanges(event);
    }
  }

  private stateChanges(event: TrainerEvent): FeedChange[] {
    switch (event.type) {
      case 'started':
      case 'resumed':
        return this.setState('training');
      case 'checkpoint_saved':
        return [{ kind: 'checkpointsChanged' }];
      case 'finished':
        return [...this.setState(event.status), { kind: 'checkpointsChanged' }];
      case 'failed':
        return [...this.setState('failed'), { kind: 'checkpointsChanged' }];
      default:
        return [];
    }
  }

  setState(state: RunState): FeedChange[] {
    if (state === this.state) return [];
    this.state = state;
    return [{ kind: 'state', state }];
  }

  private async readStatus(): Promise<void> {
    const status = await this.fileStatus();
    if (this.state === 'unknown' && status !== null) this.state = status;
  }

  /** run.json's status; null when it is missing, being rewritten, or says something else. */
  private async fileStatus(): Promise<RunState | null> {
    try {
      const status = (JSON.parse(await readFile(join(this.runDir, 'run.json'), 'utf8')) as { status?: unknown }).status;
      return status === 'training' || status === 'stopped' || status === 'finished' || status === 'failed' ? status : null;
    } catch {
      return null;
    }
  }

  /** The best checkpoint's name, as the newest valid checkpoint's trainer_state.json records it. */
  private async bestCheckpointName(infos: CheckpointInfo[]): Promise<string | null> {
    const newest = infos.filter((c) => c.valid).sort((a, b) => (b.step ?? -1) - (a.step ?? -1))[0];
    if (!newest) return null;
    try {
      const state = JSON.parse(await readFile(join(newest.path, 'trainer_state.json'), 'utf8')) as { best_checkpoint?: unknown };
      return typeof state.best_checkpoint === 'string' ? basename(state.best_checkpoint) : null;
    } catch {
      return null;
    }
  }
}
