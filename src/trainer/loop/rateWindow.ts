/**
 * Training speed for the step events' steps/s and ETA: steps over the time since the previous
 * report, except that a session's first step (kernel compilation, backend warm-up, first data
 * batch) is left out, so the first ETA is estimated from warm steps only.
 */
export class RateWindow {
  private windowStart: number;
  private steps = 0;
  private warm = false;

  constructor(now: number) {
    this.windowStart = now;
  }

  /** One optimizer step ended at `now`. */
  step(now: number): void {
    if (!this.warm) {
      // The cold first step: start measuring after it.
      this.warm = true;
      this.windowStart = now;
      return;
    }
    this.steps++;
  }

  /** Steps per second since the last report (0 until a warm step was timed), and a new window. */
  report(now: number): number {
    const rate = this.steps > 0 ? (this.steps * 1000) / Math.max(1e-6, now - this.windowStart) : 0;
    this.windowStart = now;
    this.steps = 0;
    return rate;
  }
}
