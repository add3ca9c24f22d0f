/**
 * Reads a long run's metrics once when its training ends, in a reader worker, so that its compact
 * cache and first-paint overview (core/metrics) are on disk before anyone opens its loss curves: a
 * run that just ended is the one a user opens next, and without them its first chart waits for the
 * whole metrics.jsonl to be parsed. One run at a time; a run that ends again while queued is read
 * once. vscode-free.
 */
import type { RunStatus } from '../../core/run/index';
import type { Disposable } from '../util/emitter';
import type { RunReader } from './runReader';
import type { RunStore } from './runStore';

const RUNNING: ReadonlySet<RunStatus> = new Set(['training', 'stopping']);
const ENDED: ReadonlySet<RunStatus> = new Set(['finished', 'stopped', 'failed']);

export class MetricsWarmer implements Disposable {
  private readonly lastStatus = new Map<string, RunStatus>();
  private readonly queued = new Set<string>();
  private draining: Promise<void> | null = null;
  private disposed = false;
  private readonly subscription: Disposable;

  constructor(
    store: Pick<RunStore, 'onDidChangeRun' | 'runs'>,
    private readonly reader: Pick<RunReader, 'warmRunMetrics'>,
    private readonly log: (message: string) => void,
  ) {
    for (const run of store.runs()) this.lastStatus.set(run.dir, run.status);
    this.subscription = store.onDidChangeRun(({ dir, run }) => {
      const before = this.lastStatus.get(dir);
      if (!run) {
        this.lastStatus.delete(dir);
        return;
      }
      this.lastStatus.set(dir, run.status);
      if (before !== undefined && RUNNING.has(before) && ENDED.has(run.status)) this.enqueue(dir);
    });
  }

  /** Resolves once every queued run was read (for tests and orderly shutdown). */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  dispose(): void {
    this.disposed = true;
    this.queued.clear();
    this.subscription.dispose();
  }

  private enqueue(dir: string): void {
    this.queued.add(dir);
    this.draining ??= this.drain().finally(() => (this.draining = null));
  }

  private async drain(): Promise<void> {
    for (let next = this.take(); next !== undefined && !this.disposed; next = this.take()) {
      try {
        await this.reader.warmRunMetrics(next);
      } catch (error) {
        // Best effort: the chart reads the history itself when it is opened.
        this.log(`could not prepare the loss curves of ${next}: ${(error as Error).message}`);
      }
    }
  }

  private take(): string | undefined {
    const [first] = this.queued;
    if (first !== undefined) this.queued.delete(first);
    return first;
  }
}
