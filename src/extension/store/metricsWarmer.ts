/**
 * Reads a long run's metrics once when its training ends, in a reader worker, so that its compact
 * cache and first-paint overview (core/metrics) are on disk before anyone opens its loss curves: a
 * run that just ended is the one a user opens next, and without them its first chart waits for the
 * whole metrics.jsonl to be parsed. Runs that ended while no window saw them (found ended when the
 * workspace is read) follow once discovery has been quiet for a while: only the few that ended
 * last, and after every run that ends meanwhile. One run at a time; a run queued twice is read once.
 * vscode-free.
 */
import type { RunStatus } from '../../core/run/index';
import type { Disposable } from '../util/emitter';
import type { RunReader } from './runReader';
import type { RunStore } from './runStore';
import type { RunView } from './runView';

const RUNNING: ReadonlySet<RunStatus> = new Set(['training', 'stopping']);
const ENDED: ReadonlySet<RunStatus> = new Set(['finished', 'stopped', 'failed']);

export interface MetricsWarmerOptions {
  /** Quiet time after the last run found ended before those runs are read. */
  discoveredDelayMs?: number;
  /** How many of the runs found ended are read (those that ended last). */
  discoveredLimit?: number;
}

const DISCOVERED_DELAY_MS = 15_000;
const DISCOVERED_LIMIT = 8;
const endedAt = (run: RunView): number => run.record?.endedAt ?? run.record?.startedAt ?? 0;

export class MetricsWarmer implements Disposable {
  private readonly lastStatus = new Map<string, RunStatus>();
  private readonly queued = new Set<string>();
  /** Runs found ended, with when they ended, waiting for discovery to be quiet. */
  private readonly discovered = new Map<string, number>();
  /** The chosen ones among them: read after every run in `queued`. */
  private readonly later = new Set<string>();
  private discoveredTimer: ReturnType<typeof setTimeout> | undefined;
  private draining: Promise<void> | null = null;
  private disposed = false;
  private readonly subscription: Disposable;

  constructor(
    store: Pick<RunStore, 'onDidChangeRun' | 'runs'>,
    private readonly reader: Pick<RunReader, 'warmRunMetrics'>,
    private readonly log: (message: string) => void,
    private readonly options: MetricsWarmerOptions = {},
  ) {
    for (const run of store.runs()) this.seen(run, undefined);
    this.subscription = store.onDidChangeRun(({ dir, run }) => {
      const before = this.lastStatus.get(dir);
      if (!run) {
        this.lastStatus.delete(dir);
        this.discovered.delete(dir);
        this.later.delete(dir);
        return;
      }
      this.seen(run, before);
    });
  }

  private seen(run: RunView, before: RunStatus | undefined): void {
    this.lastStatus.set(run.dir, run.status);
    if (before !== undefined && RUNNING.has(before) && ENDED.has(run.status)) this.enqueue(run.dir);
    else if (before === undefined && ENDED.has(run.status)) this.discover(run);
  }

  /** A run found ended: read later, if it is among the last to end, once discovery is quiet. */
  private discover(run: RunView): void {
    this.discovered.set(run.dir, endedAt(run));
    clearTimeout(this.discoveredTimer);
    this.discoveredTimer = setTimeout(() => {
      const newestFirst = [...this.discovered].sort((a, b) => b[1] - a[1]);
      this.discovered.clear();
      for (const [dir] of newestFirst.slice(0, this.options.discoveredLimit ?? DISCOVERED_LIMIT)) this.later.add(dir);
      this.kick();
    }, this.options.discoveredDelayMs ?? DISCOVERED_DELAY_MS);
  }

  /** Resolves once every queued run was read (for tests and orderly shutdown). */
  idle(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.discoveredTimer);
    this.queued.clear();
    this.later.clear();
    this.subscription.dispose();
  }

  private enqueue(dir: string): void {
    this.queued.add(dir);
    this.later.delete(dir);
    this.kick();
  }

  private kick(): void {
    if (this.disposed) return;
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
    for (const queue of [this.queued, this.later]) {
      const [first] = queue;
      if (first === undefined) continue;
      queue.delete(first);
      return first;
    }
    return undefined;
  }
}
