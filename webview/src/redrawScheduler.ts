/**
 * Coalesces redraw requests: at most one redraw per `intervalMs` (100 ms = 10 a second), none while
 * the document is hidden, and one catch-up redraw as soon as it is visible again. In the tests'
 * build (TRAINING_RUNS_TEST_HOOKS) it also times each redraw so the cost of streaming can be reported.
 */
export interface RedrawStats {
  count: number;
  totalMs: number;
  maxMs: number;
  lastMs: number;
}

export class RedrawScheduler {
  private dirty = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastRun = -Infinity;
  /** Redraw timings: only in the tests' build (TRAINING_RUNS_TEST_HOOKS), null in the product. */
  readonly stats: RedrawStats | null = TRAINING_RUNS_TEST_HOOKS ? { count: 0, totalMs: 0, maxMs: 0, lastMs: 0 } : null;

  constructor(
    private readonly redraw: () => void,
    private readonly intervalMs = 100,
  ) {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && this.dirty) this.schedule();
    });
  }

  schedule(): void {
    this.dirty = true;
    if (this.timer !== null || document.visibilityState === 'hidden') return;
    const wait = Math.max(0, this.lastRun + this.intervalMs - performance.now());
    this.timer = setTimeout(() => this.run(), wait);
  }

  /** Redraws now (e.g. after a settings change the user is dragging). */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.run();
  }

  private run(): void {
    this.timer = null;
    if (document.visibilityState === 'hidden') return; // picked up by visibilitychange
    this.dirty = false;
    const start = performance.now();
    this.lastRun = start;
    this.redraw();
    if (TRAINING_RUNS_TEST_HOOKS && this.stats) recordRedraw(this.stats, performance.now() - start);
  }
}

function recordRedraw(stats: RedrawStats, ms: number): void {
  stats.count++;
  stats.totalMs += ms;
  stats.maxMs = Math.max(stats.maxMs, ms);
  stats.lastMs = ms;
}
