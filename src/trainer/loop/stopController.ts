/** A stop request from a signal or the parent process: the loop finishes its current step, then stops. */
export class StopController {
  private reason: string | null = null;

  request(reason: string): void {
    this.reason ??= reason;
  }

  get requested(): boolean {
    return this.reason !== null;
  }

  get why(): string | null {
    return this.reason;
  }
}
