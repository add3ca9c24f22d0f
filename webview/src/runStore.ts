/**
 * The webview's copy of each run: the (possibly downsampled) points it was sent, live points
 * appended in step order, detailed ranges merged in when zoomed, and the run's markers and state.
 */
import { minMaxIndices } from '../../src/core/metrics/downsample';
import { stepBound } from '../../src/core/metrics/scalarSeries';
import type {
  CheckpointMarker,
  ResumeMarkerMessage,
  RunSnapshot,
  Scalars,
  Series,
} from '../../src/core/protocol/webview';
import type { RunStatus } from '../../src/core/run/status';

/** Another metric's points (throughput, eval_loss, a TensorBoard tag) on its own steps. */
export interface ScalarData {
  steps: number[];
  values: Array<number | null>;
  time: Array<number | null>;
}

export interface RunData {
  runDir: string;
  label: string;
  state: RunStatus;
  steps: number[];
  loss: Array<number | null>;
  lr: Array<number | null>;
  /** Wall time of each loss point, seconds since the epoch (null: not recorded). */
  time: Array<number | null>;
  /** Every other metric the run logged, by name: those the host sent so far. */
  scalars: Record<string, ScalarData>;
  /** Metrics the run logged whose points have not arrived yet (they follow `init`). */
  unloadedMetrics: Set<string>;
  /** Points the host holds; more than steps.length means some detail is only on the host. */
  totalPoints: number;
  checkpoints: CheckpointMarker[];
  resumes: ResumeMarkerMessage[];
}

const bound = stepBound;

export class RunStore {
  private readonly runs = new Map<string, RunData>();

  /** Live points beyond this many (per run) are thinned locally to `pointBudget`. */
  constructor(private pointBudget: number) {}

  setPointBudget(points: number): void {
    this.pointBudget = Math.max(200, points);
  }

  reset(snapshots: RunSnapshot[]): void {
    this.runs.clear();
    for (const s of snapshots) {
      this.runs.set(s.runDir, {
        runDir: s.runDir,
        label: s.label,
        state: s.state,
        steps: [...s.series.steps],
        loss: [...s.series.loss],
        lr: [...s.series.lr],
        time: s.series.time ? [...s.series.time] : s.series.steps.map(() => null),
        scalars: Object.fromEntries(
          Object.entries(s.scalars ?? {}).map(([name, v]) => [
            name,
            { steps: [...v.steps], values: [...v.values], time: [...v.time] },
          ]),
        ),
        unloadedMetrics: new Set((s.metricNames ?? []).filter((name) => !(name in (s.scalars ?? {})))),
        totalPoints: s.totalPoints,
        checkpoints: s.checkpoints,
        resumes: s.resumes,
      });
    }
  }

  get(runDir: string): RunData | undefined {
    return this.runs.get(runDir);
  }

  all(): RunData[] {
    return [...this.runs.values()];
  }

  /** Appends live points. A step at or below the last one means training went back: the abandoned tail goes. */
  appendPoints(runDir: string, series: Series, scalars: Scalars = {}): boolean {
    const run = this.runs.get(runDir);
    if (!run) return false;
    for (const [name, points] of Object.entries(scalars))
      appendScalars((run.scalars[name] ??= { steps: [], values: [], time: [] }), points);
    for (let i = 0; i < series.steps.length; i++) {
      const step = series.steps[i] as number;
      const last = run.steps[run.steps.length - 1];
      if (last !== undefined && step <= last) this.cut(run, bound(run.steps, step, false));
      run.steps.push(step);
      run.loss.push(series.loss[i] ?? null);
      run.lr.push(series.lr[i] ?? null);
      run.time.push(series.time?.[i] ?? null);
      run.totalPoints++;
    }
    if (run.steps.length > this.pointBudget * 4) this.thin(run);
    return true;
  }

  addResume(runDir: string, marker: ResumeMarkerMessage): boolean {
    const run = this.runs.get(runDir);
    if (!run) return false;
    this.cut(run, bound(run.steps, marker.step, true));
    run.resumes = [...run.resumes.filter((r) => r.step <= marker.step), marker];
    for (const s of Object.values(run.scalars)) cutScalars(s, bound(s.steps, marker.step, true));
    return true;
  }

  /** Replaces the points in [fromStep, toStep] by the detailed ones the host sent. */
  mergeRange(runDir: string, fromStep: number, toStep: number, detail: Series): boolean {
    const run = this.runs.get(runDir);
    if (!run) return false;
    const lo = bound(run.steps, fromStep, false);
    const hi = bound(run.steps, toStep, true);
    run.steps.splice(lo, hi - lo, ...detail.steps);
    run.loss.splice(lo, hi - lo, ...detail.loss);
    run.lr.splice(lo, hi - lo, ...detail.lr);
    run.time.splice(lo, hi - lo, ...(detail.time ?? detail.steps.map(() => null)));
    return true;
  }

  /** Metrics `init` only named, as the host holds them (downsampled); false for a run not shown. */
  setMetrics(runDir: string, scalars: Record<string, ScalarData>): boolean {
    const run = this.runs.get(runDir);
    if (!run) return false;
    for (const [name, points] of Object.entries(scalars)) {
      run.scalars[name] = { steps: [...points.steps], values: [...points.values], time: [...points.time] };
      run.unloadedMetrics.delete(name);
    }
    return true;
  }

  setCheckpoints(runDir: string, checkpoints: CheckpointMarker[]): boolean {
    const run = this.runs.get(runDir);
    if (!run) return false;
    run.checkpoints = checkpoints;
    return true;
  }

  setState(runDir: string, state: RunStatus): boolean {
    const run = this.runs.get(runDir);
    if (!run) return false;
    run.state = state;
    return true;
  }

  /** True when the host holds more points for this run than the webview shows. */
  isDownsampled(run: RunData): boolean {
    return run.totalPoints > run.steps.length;
  }

  private cut(run: RunData, from: number): void {
    const removed = run.steps.length - from;
    if (removed <= 0) return;
    run.steps.length = from;
    run.loss.length = from;
    run.lr.length = from;
    run.time.length = from;
    run.totalPoints = Math.max(run.steps.length, run.totalPoints - removed);
  }

  private thin(run: RunData): void {
    const values = run.loss.map((v) => (v === null ? Number.NaN : v));
    const keep = minMaxIndices(values, 0, values.length, this.pointBudget);
    run.steps = Array.from(keep, (i) => run.steps[i] as number);
    run.loss = Array.from(keep, (i) => run.loss[i] ?? null);
    run.lr = Array.from(keep, (i) => run.lr[i] ?? null);
    run.time = Array.from(keep, (i) => run.time[i] ?? null);
  }
}

/** Appends a metric's live points; a step at or below its last one drops its abandoned tail. */
function appendScalars(into: ScalarData, points: ScalarData): void {
  for (let i = 0; i < points.steps.length; i++) {
    const step = points.steps[i] as number;
    const last = into.steps[into.steps.length - 1];
    if (last !== undefined && step <= last) cutScalars(into, bound(into.steps, step, false));
    into.steps.push(step);
    into.values.push(points.values[i] ?? null);
    into.time.push(points.time[i] ?? null);
  }
}

function cutScalars(s: ScalarData, length: number): void {
  s.steps.length = length;
  s.values.length = length;
  s.time.length = length;
}
