/**
 * Finds the runs the file watcher never reported. VS Code's recursive watcher on Linux does not
 * always watch a folder made together with its parent (`mkdir -p runs/<name>`, as trainers do),
 * `files.watcherExclude` hides folders on purpose and a network file system raises no events: a run
 * started from a terminal there would stay out of the Runs view until Refresh. So, while the window
 * has focus, discovery's search runs again now and then (and at once when the window gets focus
 * back): folders it finds that the store lacks are added; runs it no longer finds are read once more
 * and dropped if nothing of them is left. The wait between looks grows with what the search cost
 * (a large workspace is searched less often); looks never overlap. vscode-free.
 */
import * as path from 'node:path';
import type { Disposable } from '../util/emitter';
import type { RunStore } from './runStore';

export const MISSED_RUNS_MIN_INTERVAL_MS = 10_000;
const MAX_INTERVAL_MS = 300_000;
/** The wait after a look is this many times what its search took (at least the minimum). */
const COST_FACTOR = 50;

export interface MissedRunsPollOptions {
  /** The workspace's run folders now (discovery's own search). */
  find(): Promise<string[]>;
  /** Whether a look may run now: the window has focus and no full search is under way. */
  mayLook(): boolean;
  minIntervalMs?: number;
  now?: () => number;
}

type Store = Pick<RunStore, 'runs' | 'isActive' | 'addRunDirs' | 'recheckRunDirs'>;

export class MissedRunsPoll implements Disposable {
  /** Runs no longer found that were read again already (read once per absence, not every look). */
  private readonly rechecked = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private looking: Promise<void> | null = null;
  /** Discovery's own search has just run when this starts: the first look waits an interval. */
  private lastLookAt: number;
  private lastCostMs = 0;
  private disposed = false;

  constructor(
    private readonly store: Store,
    private readonly options: MissedRunsPollOptions,
  ) {
    this.lastLookAt = this.now();
    this.schedule();
  }

  /** The wait before the next look. */
  intervalMs(): number {
    const min = this.options.minIntervalMs ?? MISSED_RUNS_MIN_INTERVAL_MS;
    return Math.min(MAX_INTERVAL_MS, Math.max(min, COST_FACTOR * this.lastCostMs));
  }

  /** The window got focus back: look now, unless a look was made within the interval. */
  focused(): void {
    if (this.options.mayLook() && this.now() - this.lastLookAt >= this.intervalMs())
      void this.look().catch(() => undefined);
  }

  /** One look (the timer's; exposed for tests). A call while one is under way shares it. */
  look(): Promise<void> {
    this.looking ??= this.lookOnce().finally(() => (this.looking = null));
    return this.looking;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async lookOnce(): Promise<void> {
    const started = this.now();
    this.lastLookAt = started;
    const knownBefore = new Set(this.store.runs().map((r) => r.dir));
    const found = new Set((await this.options.find()).map((d) => path.resolve(d)));
    this.lastCostMs = this.now() - started;
    if (this.disposed) return;
    const known = this.store.runs().map((r) => r.dir);
    const knownSet = new Set(known);
    for (const dir of [...this.rechecked]) if (found.has(dir) || !knownSet.has(dir)) this.rechecked.delete(dir);
    // A run that left the store while the search ran (deleted) may still be in its results: not added back.
    const added = [...found].filter((d) => !knownSet.has(d) && !knownBefore.has(d));
    // Likewise a run that joined the store while the search ran is missing from its results, not gone.
    const missing = known.filter(
      (d) => knownBefore.has(d) && !found.has(d) && !this.store.isActive(d) && !this.rechecked.has(d),
    );
    for (const dir of missing) this.rechecked.add(dir);
    await Promise.all([
      added.length > 0 ? this.store.addRunDirs(added) : undefined,
      missing.length > 0 ? this.store.recheckRunDirs(missing) : undefined,
    ]);
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      const look = this.options.mayLook() ? this.look() : Promise.resolve();
      void look
        .catch(() => undefined)
        .finally(() => {
          if (!this.disposed) this.schedule();
        });
    }, this.intervalMs());
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
