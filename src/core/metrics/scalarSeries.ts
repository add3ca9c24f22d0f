/**
 * Every other metric a run logged beside loss and learning rate (throughput, eval_loss, accuracy,
 * a Hugging Face log_history field, a TensorBoard tag), each its own step-ordered series: they are
 * logged at their own steps (evaluation every eval_steps), so they do not share the loss's grid.
 * Columns are Float64Arrays, as in MetricsSeries (a million points is 24 MB, and the metrics cache
 * and the reader worker hand them over without copying element by element).
 * Wall times are seconds since the epoch (NaN when the writer recorded none). As in MetricsSeries,
 * a step at or below a metric's last one means training went back: that metric's tail is dropped.
 */
import { minMaxIndices } from './downsample';

/** One metric's points: views (no copy) of its columns, valid until the next append. */
export interface ScalarColumn {
  steps: Float64Array;
  values: Float64Array;
  times: Float64Array;
}

/** A metric's growable storage: Float64Arrays with spare capacity, the first `size` points in use. */
interface ColumnStore {
  steps: Float64Array<ArrayBuffer>;
  values: Float64Array<ArrayBuffer>;
  times: Float64Array<ArrayBuffer>;
  size: number;
}

/** A metric's points ready for a message: non-finite values become null (JSON has no NaN). */
export interface ScalarPayload {
  steps: number[];
  values: Array<number | null>;
  time: Array<number | null>;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** First index whose step is >= value (or > value when `strict`); steps ascending. */
export function stepBound(steps: ArrayLike<number>, value: number, strict: boolean): number {
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
  private readonly byName = new Map<string, ColumnStore>();

  /**
   * A set that takes ownership of these columns (each step-ordered, equal lengths), e.g. read from
   * the metrics cache or sent by a worker: they become its storage, so the caller must not use them.
   */
  static fromColumns(columns: Record<string, ScalarColumn>): ScalarSet {
    const set = new ScalarSet();
    for (const [name, c] of Object.entries(columns)) {
      if (c.values.length !== c.steps.length || c.times.length !== c.steps.length)
        throw new Error(`metric ${name}: columns of different lengths`);
      set.byName.set(name, {
        steps: owned(c.steps),
        values: owned(c.values),
        times: owned(c.times),
        size: c.steps.length,
      });
    }
    return set;
  }

  /** Every metric's columns by name (views: not to be changed, valid until the next append). */
  columns(): Record<string, ScalarColumn> {
    const out: Record<string, ScalarColumn> = {};
    for (const [name, store] of this.byName) out[name] = view(store);
    return out;
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }

  /** How many metrics it holds. */
  get count(): number {
    return this.byName.size;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): ScalarColumn | undefined {
    const store = this.byName.get(name);
    return store && view(store);
  }

  append(name: string, step: number, value: number, time: number): void {
    let store = this.byName.get(name);
    if (!store) {
      store = { steps: new Float64Array(16), values: new Float64Array(16), times: new Float64Array(16), size: 0 };
      this.byName.set(name, store);
    }
    if (store.size > 0 && step <= (store.steps[store.size - 1] as number))
      store.size = stepBound(store.steps.subarray(0, store.size), step, false);
    if (store.size === store.steps.length) grow(store);
    store.steps[store.size] = step;
    store.values[store.size] = value;
    store.times[store.size] = time;
    store.size++;
  }

  /** Drops every point with step > `step` in every metric (a resume from checkpoint-`step`). */
  truncateAfter(step: number): void {
    for (const store of this.byName.values()) store.size = stepBound(store.steps.subarray(0, store.size), step, true);
  }

  /** One metric, downsampled (min-max by value) to at most `maxPoints` points; undefined when not logged. */
  payloadOf(name: string, maxPoints: number): ScalarPayload | undefined {
    const c = this.get(name);
    return c && payloadOfColumn(c, maxPoints);
  }
}

function payloadOfColumn(c: ScalarColumn, maxPoints: number): ScalarPayload {
  const keep = minMaxIndices(c.values, 0, c.values.length, maxPoints);
  return {
    steps: Array.from(keep, (i) => c.steps[i] as number),
    values: Array.from(keep, (i) => finiteOrNull(c.values[i] as number)),
    time: Array.from(keep, (i) => finiteOrNull(c.times[i] as number)),
  };
}

/** A column the set may keep: one whose buffer is an ArrayBuffer (not shared memory), else a copy. */
function owned(column: Float64Array): Float64Array<ArrayBuffer> {
  return column.buffer instanceof ArrayBuffer ? (column as Float64Array<ArrayBuffer>) : new Float64Array(column);
}

function view(store: ColumnStore): ScalarColumn {
  return {
    steps: store.steps.subarray(0, store.size),
    values: store.values.subarray(0, store.size),
    times: store.times.subarray(0, store.size),
  };
}

function grow(store: ColumnStore): void {
  const capacity = Math.max(16, store.steps.length * 2);
  const grown = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
    const b = new Float64Array(capacity);
    b.set(a.subarray(0, store.size));
    return b;
  };
  store.steps = grown(store.steps);
  store.values = grown(store.values);
  store.times = grown(store.times);
}
