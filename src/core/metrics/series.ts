/**
 * A growable, step-ordered column store for one run's metrics: steps, loss, learning rate and wall
 * time (seconds since the epoch) as Float64Arrays (a million steps is 32 MB, not 1M objects).
 * Non-finite values (and a time the writer did not record) are kept as NaN.
 *
 * A step at or below the last one means training went back (a resume from an earlier checkpoint,
 * or a restart): the abandoned tail is dropped so the resumed run continues the curve instead of
 * drawing a second line on top of the first.
 */
export interface SeriesColumns {
  steps: Float64Array;
  loss: Float64Array;
  lr: Float64Array;
  time: Float64Array;
}

export class MetricsSeries {
  private steps = new Float64Array(1024);
  private loss = new Float64Array(1024);
  private lr = new Float64Array(1024);
  private time = new Float64Array(1024);
  private size = 0;

  /**
   * A series that takes ownership of these columns (equal lengths, steps ascending), e.g. read back
   * from a cache; they become its storage, so the caller must not use them afterwards.
   */
  static fromColumns(columns: {
    steps: Float64Array<ArrayBuffer>;
    loss: Float64Array<ArrayBuffer>;
    lr: Float64Array<ArrayBuffer>;
    time: Float64Array<ArrayBuffer>;
  }): MetricsSeries {
    const series = new MetricsSeries();
    const n = columns.steps.length;
    if (columns.loss.length !== n || columns.lr.length !== n || columns.time.length !== n)
      throw new Error('metrics columns of different lengths');
    if (n === 0) return series;
    series.steps = columns.steps;
    series.loss = columns.loss;
    series.lr = columns.lr;
    series.time = columns.time;
    series.size = n;
    return series;
  }

  get length(): number {
    return this.size;
  }

  get lastStep(): number | null {
    return this.size === 0 ? null : (this.steps[this.size - 1] as number);
  }

  append(step: number, loss: number, lr: number, time = Number.NaN): void {
    if (this.size > 0 && step <= (this.steps[this.size - 1] as number)) this.truncateFrom(step);
    if (this.size === this.steps.length) this.grow();
    this.steps[this.size] = step;
    this.loss[this.size] = loss;
    this.lr[this.size] = lr;
    this.time[this.size] = time;
    this.size++;
  }

  /** Drops every point with step > `step` (what a resume from checkpoint-`step` abandons). */
  truncateAfter(step: number): void {
    this.size = this.lowerBound(step, true);
  }

  /** Index of the first point with step >= from, and one past the last with step <= to. */
  indexRange(from: number, to: number): [number, number] {
    return [this.lowerBound(from, false), this.lowerBound(to, true)];
  }

  /** Views (no copy) of the live columns; valid until the next append. */
  columns(): SeriesColumns {
    return {
      steps: this.steps.subarray(0, this.size),
      loss: this.loss.subarray(0, this.size),
      lr: this.lr.subarray(0, this.size),
      time: this.time.subarray(0, this.size),
    };
  }

  private truncateFrom(step: number): void {
    this.size = this.lowerBound(step, false);
  }

  /** First index whose step is >= value (or > value when `strict`). Steps are ascending. */
  private lowerBound(value: number, strict: boolean): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.steps[mid] as number;
      if (strict ? s <= value : s < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private grow(): void {
    const cap = this.steps.length * 2;
    const grown = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.steps = grown(this.steps);
    this.loss = grown(this.loss);
    this.lr = grown(this.lr);
    this.time = grown(this.time);
  }
}
