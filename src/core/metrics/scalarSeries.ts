/**
 * Every other metric a run logged beside loss and learning rate (throughput, eval_loss, accuracy,
 * a Hugging Face log_history field, a TensorBoard tag), each its own step-ordered series: they are
 * logged at their own steps (evaluation every eval_steps), so they do not share the loss's grid.
 * Wall times are seconds since the epoch (NaN when the writer recorded none). As in MetricsSeries,
 * a step at or below a metric's last one means training went back: that metric's tail is dropped.
 */
import { minMaxIndices } from './downsample';

export interface ScalarColumn {
  steps: number[];
  values: number[];
  times: number[];
}

/** A metric's points ready for a message: non-finite values become null (JSON has no NaN). */
export interface ScalarPayload {
  steps: number[];
  values: Array<number | null>;
  time: Array<number | null>;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** First index whose step is >= value (or > value when `strict`); steps ascending. */
export function stepBound(steps: readonly number[], value: number, strict: boolean): number {
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

export class ScalarSet {
  private readonly byName = new Map<string, ScalarColumn>();

  /** A set that takes ownership of these columns (each step-ordered, equal lengths), e.g. sent by a worker. */
  static fromColumns(columns: Record<string, ScalarColumn>): ScalarSet {
    const set = new ScalarSet();
    for (const [name, c] of Object.entries(columns)) {
      if (c.values.length !== c.steps.length || c.times.length !== c.steps.length)
        throw new Error(`metric ${name}: columns of different lengths`);
      set.byName.set(name, c);
    }
    return set;
  }

  /** Every metric's columns by name (live: not to be changed). */
  columns(): Record<string, ScalarColumn> {
    return Object.fromEntries(this.byName);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  get(name: string): ScalarColumn | undefined {
    return this.byName.get(name);
  }

  append(name: string, step: number, value: number, time: number): void {
    let column = this.byName.get(name);
    if (!column) {
      column = { steps: [], values: [], times: [] };
      this.byName.set(name, column);
    }
    const last = column.steps[column.steps.length - 1];
    if (last !== undefined && step <= last) cut(column, stepBound(column.steps, step, false));
    column.steps.push(step);
    column.values.push(value);
    column.times.push(time);
  }

  /** Drops every point with step > `step` in every metric (a resume from checkpoint-`step`). */
  truncateAfter(step: number): void {
    for (const column of this.byName.values()) cut(column, stepBound(column.steps, step, true));
  }

  /** Each metric, downsampled (min-max by value) to at most `maxPoints` points. */
  payload(maxPoints: number): Record<string, ScalarPayload> {
    const out: Record<string, ScalarPayload> = {};
    for (const [name, c] of this.byName) {
      const keep = minMaxIndices(c.values, 0, c.values.length, maxPoints);
      out[name] = {
        steps: Array.from(keep, (i) => c.steps[i] as number),
        values: Array.from(keep, (i) => finiteOrNull(c.values[i] as number)),
        time: Array.from(keep, (i) => finiteOrNull(c.times[i] as number)),
      };
    }
    return out;
  }
}

function cut(column: ScalarColumn, length: number): void {
  column.steps.length = length;
  column.values.length = length;
  column.times.length = length;
}
