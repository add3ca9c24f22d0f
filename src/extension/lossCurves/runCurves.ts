/**
 * One run's loss curves for the panels: the history read from `metrics.jsonl` (or a Hugging Face
 * run's log_history) and the scalars of its TensorBoard event files, extended by live trainer events
 * and by what the store's watcher sees appended (metrics lines, event records). The run's state and
 * checkpoint markers are the run store's (src/extension/store). Shared by every panel showing the
 * run. Free of `vscode`.
 */
import { basename, isAbsolute, join, relative } from 'node:path';
import { downsampleColumns, type SeriesPayload } from '../../core/metrics/downsample';
import { emptyHistory, type MetricsHistory } from '../../core/metrics/metricsReader';
import { addTensorBoardScalars } from '../../core/metrics/runHistory';
import type { MetricsOverview } from '../../core/metrics/metricsOverview';
import type { EventFileCursor, ScalarPoint } from '../../core/tensorboard';
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import type { CheckpointMarker, ResumeMarkerMessage, RunSnapshot, Scalars } from '../../core/protocol/webview';
import { METRICS_FILE, type RunStatus } from '../../core/run/index';
import type { RunReader } from '../store/runReader';
import type { RunStore } from '../store/runStore';
import type { RunView } from '../store/runView';

/** A point of a metric other than loss and lr; time in seconds since the epoch (null: unknown). */
export interface ScalarChange {
  name: string;
  step: number;
  value: number | null;
  time: number | null;
}

/** What changed, for the panels to forward. */
export type FeedChange =
  | { kind: 'point'; step: number; loss: number | null; lr: number | null; time: number | null }
  | { kind: 'scalars'; points: ScalarChange[] }
  | { kind: 'resumed'; marker: ResumeMarkerMessage }
  | { kind: 'state'; state: RunStatus }
  | { kind: 'checkpointsChanged' }
  /** The run's files were replaced (a fresh start into its folder): panels take a new snapshot. */
  | { kind: 'reloaded' };

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** While trainer events arrive, they are the live source; appended lines are only charted without them. */
const EVENTS_QUIET_MS = 3000;
/** Metrics that trainer events carry themselves (the rest of a metrics row is taken from the file). */
const EVENT_METRICS = new Set(['epoch', 'examples_per_sec', 'steps_per_sec']);

const scalarChange = (p: ScalarPoint): ScalarChange => ({
  name: p.tag,
  step: p.step,
  value: finiteOrNull(p.value),
  time: finiteOrNull(p.wallTime),
});

/** The markers the panels draw for a run's checkpoints (best as the store decided it). */
export function checkpointMarkers(run: RunView | undefined): CheckpointMarker[] {
  return (run?.checkpoints ?? []).map((c) => ({
    name: c.name,
    path: c.path,
    step: c.step,
    valid: c.valid,
    latest: c.latest,
    best: c.best,
    problems: c.problems,
    mtimeMs: c.mtimeMs,
  }));
}

/** A run's overview as the first paint showed it, until the full history is read. */
interface ShownOverview extends MetricsOverview {
  /** Points the overview held when read (live events add points after). */
  pointsAtRead: number;
}

export class RunCurves {
  private history: MetricsHistory | null = null;
  private loading: Promise<MetricsHistory> | null = null;
  /** The first paint's data: the run's overview (a long native run), else the full history. */
  private firstPaint: Promise<void> | null = null;
  private overview: ShownOverview | null = null;
  /** metrics.jsonl's bytes the overview covered, kept after the full history replaced it. */
  private overviewBytes: number | null = null;
  /** Events that arrived while the file was being read; applied after it. */
  private early: TrainerEvent[] = [];
  private lastEventAt = -Infinity;
  private tailing: Promise<void> = Promise.resolve();
  /** The read queued behind the one in progress, shared by every event that comes meanwhile. */
  private queuedTail: Promise<FeedChange[]> | null = null;
  /** Where the reading of the run's TensorBoard event files stands. */
  private tensorboardCursor: EventFileCursor[] = [];
  private tensorboardTail: Promise<FeedChange[]> = Promise.resolve([]);

  constructor(
    readonly runDir: string,
    readonly label: string,
    private readonly store: Pick<RunStore, 'get' | 'refresh'>,
    private readonly reader: RunReader,
    private readonly log: (message: string) => void,
  ) {}

  get checkpoints(): CheckpointMarker[] {
    return checkpointMarkers(this.store.get(this.runDir));
  }

  get state(): RunStatus {
    return this.store.get(this.runDir)?.status ?? 'unknown';
  }

  /**
   * Reads what a chart's first paint needs, once: a long native run's overview (metricsOverview.ts),
   * else the whole history; a run the store does not know yet (outside the workspace's runs) joins it.
   * loadFull reads the whole history (zooming and the other metrics need it).
   */
  async load(): Promise<void> {
    await Promise.all([
      this.loadFirstPaint(),
      this.store.get(this.runDir) ? undefined : this.store.refresh(this.runDir, { exact: false }),
    ]);
  }

  private loadFirstPaint(): Promise<void> {
    this.firstPaint ??= this.reader.readRunOverview(this.runDir).then(
      (overview) => {
        if (!overview || this.history) return this.loadFull();
        const { history } = overview;
        this.overview = { ...overview, pointsAtRead: history.series.length };
        this.overviewBytes = history.bytesRead;
      },
      () => this.loadFull(),
    );
    return this.firstPaint;
  }

  /** True until the whole history is read (the first paint may have come from the overview). */
  get partial(): boolean {
    return this.history === null;
  }

  /** The whole history was read after a first paint from the overview, and the file had grown meanwhile. */
  get grewSinceOverview(): boolean {
    return this.history !== null && this.overviewBytes !== null && this.history.bytesRead !== this.overviewBytes;
  }

  /** Reads the whole history once (with the run's TensorBoard scalars). */
  async loadFull(): Promise<void> {
    this.loading ??= Promise.all([this.reader.readRunMetrics(this.runDir), this.readTensorBoard()]).then(([h, tb]) => {
      addTensorBoardScalars(h.scalars, tb);
      for (const p of h.problems) this.log(p);
      if (h.problemCount > h.problems.length)
        this.log(`${this.runDir}/${METRICS_FILE}: ${h.problemCount - h.problems.length} more malformed lines skipped`);
      this.history = h;
      this.overview = null;
      // Events that came while it was read: those the file already held are not applied twice.
      for (const e of this.early.splice(0)) if (!alreadyIn(h, e)) this.apply(e);
      return h;
    });
    await this.loading;
  }

  /** Forgets what was read and reads the run again (its history was moved aside). */
  async reload(): Promise<void> {
    this.history = null;
    this.loading = null;
    this.firstPaint = null;
    this.overview = null;
    this.overviewBytes = null;
    this.early = [];
    this.tensorboardCursor = [];
    await this.load();
  }

  /** True when `path` is one of this run's listed checkpoints (and inside the run folder). */
  ownsCheckpoint(path: string): CheckpointMarker | undefined {
    const rel = relative(this.runDir, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
    return this.checkpoints.find((c) => c.path === path);
  }

  get totalPoints(): number {
    if (this.history) return this.history.series.length;
    const o = this.overview;
    return o ? o.totalPoints + o.history.series.length - o.pointsAtRead : 0;
  }

  /**
   * What a panel's first paint needs: the loss curve and the shown `metric`'s points, downsampled to
   * maxPoints, and the names of every other metric (their points follow: otherMetrics).
   */
  snapshot(maxPoints: number, metric = 'loss'): RunSnapshot {
    const history = this.history ?? this.overview?.history;
    const series = history?.series;
    const shown = history?.scalars.payloadOf(metric, maxPoints);
    const empty: SeriesPayload = { steps: [], loss: [], lr: [], time: [] };
    return {
      runDir: this.runDir,
      label: this.label,
      state: this.state,
      series: series ? downsampleColumns(series.columns(), 0, series.length, maxPoints) : empty,
      totalPoints: this.totalPoints,
      checkpoints: this.checkpoints,
      resumes: history?.resumes ?? [],
      scalars: shown ? { [metric]: shown } : {},
      metricNames: history?.scalars.names ?? [],
    };
  }

  /** Every metric but `shown` (the one the snapshot carried), each downsampled to maxPoints. */
  otherMetrics(maxPoints: number, shown: string): Scalars {
    const out: Scalars = {};
    const scalars = this.history?.scalars;
    if (!scalars) return out;
    for (const name of scalars.names) {
      const points = name === shown ? undefined : scalars.payloadOf(name, maxPoints);
      if (points) out[name] = points;
    }
    return out;
  }

  /** Every point in [fromStep, toStep], downsampled to maxPoints when there are more. */
  range(fromStep: number, toStep: number, maxPoints: number): SeriesPayload {
    const series = this.history?.series;
    if (!series) return { steps: [], loss: [], lr: [], time: [] };
    const [lo, hi] = series.indexRange(fromStep, toStep);
    return downsampleColumns(series.columns(), lo, hi, maxPoints);
  }

  /**
   * The watcher saw metrics.jsonl grow: reads what was appended, so a run trained from the command
   * line or another window streams in too. Lines that arrive while trainer events flow are skipped
   * (the events already carried them). Calls run one after the other.
   */
  metricsAppended(): Promise<FeedChange[]> {
    if (this.queuedTail) return Promise.resolve([]);
    const next = this.tailing.then(() => {
      this.queuedTail = null;
      return this.tail();
    });
    this.queuedTail = next;
    this.tailing = next.then(
      () => undefined,
      () => undefined,
    );
    return next;
  }

  private async tail(): Promise<FeedChange[]> {
    const history = this.history;
    if (!history) return [];
    const quiet = Date.now() - this.lastEventAt > EVENTS_QUIET_MS;
    // With events flowing, parse into a scratch history only to move the read position on.
    const target = quiet
      ? history
      : {
          ...emptyHistory(),
          bytesRead: history.bytesRead,
          lines: history.lines,
          skippingLongLine: history.skippingLongLine,
        };
    const problemsBefore = target.problems.length;
    const changes: FeedChange[] = [];
    try {
      const scalars: ScalarChange[] = [];
      const ok = await this.reader.readAppendedMetrics(join(this.runDir, METRICS_FILE), target, {
        point: (step, loss, lr, time) =>
          void (
            quiet &&
            changes.push({
              kind: 'point',
              step,
              loss: finiteOrNull(loss),
              lr: finiteOrNull(lr),
              time: finiteOrNull(time),
            })
          ),
        scalar: (name, step, value, time) => {
          const point = { name, step, value: finiteOrNull(value), time: finiteOrNull(time) };
          if (quiet)
            scalars.push(point); // parsed into the history itself
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
      if (!ok) this.log(`${this.runDir}/${METRICS_FILE} was rewritten; reopen the panel to reload it`);
      for (const p of target.problems.slice(problemsBefore)) this.log(p);
    } catch (error) {
      this.log(`could not read ${this.runDir}/${METRICS_FILE}: ${(error as Error).message}`);
    }
    return changes;
  }

  /**
   * The watcher saw one of the run's TensorBoard event files change: reads the records appended
   * since the last read (in a reader worker, within its time budget). Calls run one after the other.
   */
  tensorBoardChanged(): Promise<FeedChange[]> {
    const next = this.tensorboardTail.then(async (): Promise<FeedChange[]> => {
      const history = this.history;
      if (!history) return [];
      const points = await this.readTensorBoard();
      if (points.length === 0 || history !== this.history) return [];
      addTensorBoardScalars(history.scalars, points);
      return [{ kind: 'scalars', points: points.map(scalarChange) }];
    });
    this.tensorboardTail = next.catch(() => []);
    return next;
  }

  /** New scalars of the run's event files; a refused or failed read is logged and yields none. */
  private async readTensorBoard(): Promise<ScalarPoint[]> {
    try {
      const read = await this.reader.readTensorBoardScalars(this.runDir, this.tensorboardCursor);
      this.tensorboardCursor = read.cursor;
      for (const p of read.problems) this.log(p);
      return read.points;
    } catch (error) {
      this.log(`${this.runDir}: TensorBoard event files unreadable: ${(error as Error).message}`);
      return [];
    }
  }

  /** Applies a trainer event to the history; returns what changed for the panels. */
  apply(event: TrainerEvent): FeedChange[] {
    this.lastEventAt = Date.now();
    if (this.history) return applyTo(this.history, event);
    if (this.loading || this.overview) this.early.push(event);
    // Shown from the overview: the panels get the event now; the full history applies it once read.
    return this.overview ? applyTo(this.overview.history, event) : [];
  }
}

/** True when the history read from the file already holds what the event reports. */
function alreadyIn(history: MetricsHistory, event: TrainerEvent): boolean {
  const last = history.series.lastStep;
  if (event.type === 'step') return last !== null && event.step <= last;
  if (event.type === 'resumed') return history.resumes.at(-1)?.step === event.step && last === event.step;
  return false;
}

/** Applies a trainer event to a history; returns what changed for the panels. */
function applyTo(history: MetricsHistory, event: TrainerEvent): FeedChange[] {
  switch (event.type) {
    case 'step': {
      const time = event.time / 1000;
      history.series.append(event.step, event.loss, event.lr, time);
      const scalars: ScalarChange[] = [
        { name: 'epoch', step: event.step, value: event.epoch, time },
        { name: 'examples_per_sec', step: event.step, value: finiteOrNull(event.examplesPerSec), time },
        { name: 'steps_per_sec', step: event.step, value: finiteOrNull(event.stepsPerSec), time },
      ];
      for (const p of scalars) history.scalars.append(p.name, p.step, p.value ?? Number.NaN, time);
      return [
        { kind: 'point', step: event.step, loss: finiteOrNull(event.loss), lr: finiteOrNull(event.lr), time },
        { kind: 'scalars', points: scalars },
      ];
    }
    case 'resumed': {
      const marker = { step: event.step, from: basename(event.path), time: Date.now() };
      history.series.truncateAfter(event.step);
      history.scalars.truncateAfter(event.step);
      history.resumes = [...history.resumes.filter((r) => r.step <= event.step), marker];
      return [{ kind: 'resumed', marker }];
    }
    default:
      return [];
  }
}
