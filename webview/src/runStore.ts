/**
 * The webview's copy of each run: the (possibly downsampled) points it was sent, live points
 * appended in step order, detailed ranges merged in when zoomed, and the run's markers and state.
 */
import { minMaxIndices } from '../../src/core/metrics/downsample';
import type { CheckpointMarker, ResumeMarkerMessage, RunSnapshot, Series } from '../../src/core/protocol/webview';
import type { RunStatus } from '../../src/core/run/status';

export interface RunData {
  runDir: string;
  label: string;
  state: RunStatus;
  steps: number[];
  loss: Array<number | null>;
  lr: Array<number | null>;
  /** Points the host holds; more than steps.length means some detail is only on the host. */
  totalPoints: number;
  checkpoints: CheckpointMarker[];
  resumes: ResumeMarkerMessage[];
}

/** First index with steps[i] >= value (or > value when strict). */
function bound(steps: number[], value: number, strict: boolean): number {
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const s = steps[mid] as number;
    if (strict ? s <= value : s < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

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
  appendPoints(runDir: string, series: Series): boolean {
    const run = this.runs.get(runDir);
    if (!run) return false;
    for (let i = 0; i < series.steps.length; i++) {
      const step = series.steps[i] as number;
      const last = run.steps[run.steps.length - 1];
      if (last !== undefined && step <= last) this.cut(run, bound(run.steps, step, false));
      run.steps.push(step);
      run.loss.push(series.loss[i] ?? null);
      run.lr.push(series.lr[i] ?? null);
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
    run.totalPoints = Math.max(run.steps.length, run.totalPoints - removed);
  }

  private thin(run: RunData): void {
    const values = run.loss.map((v) => (v === null ? Number.NaN : v));
    const keep = minMaxIndices(values, 0, values.length, this.pointBudget);
    run.steps = Array.from(keep, (i) => run.steps[i] as number);
    run.loss = Array.from(keep, (i) => run.loss[i] ?? null);
    run.lr = Array.from(keep, (i) => run.lr[i] ?? null);
  }
}
