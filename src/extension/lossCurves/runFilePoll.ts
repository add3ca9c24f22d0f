/**
 * Re-checks the files that grow while a run trains (metrics.jsonl and its TensorBoard event files) of
 * the runs the loss-curves panels show on a timer, besides the store's watcher events, which cannot
 * be relied on: on Linux VS Code's recursive watcher does not always watch folders created together
 * with their parent (`mkdir -p`; parcel-bundler/watcher#97), which is how trainers create
 * `runs/<name>/` and TensorBoard's writers `runs/<session>/`, so appends to those files may raise no
 * event at all; a network file system (a cluster's shared disk) raises none either, and a
 * `files.watcherExclude` pattern hides them on purpose. Each round starts only after the previous one
 * finished, so slow reads never pile up. Free of `vscode`.
 */
import type { FeedChange, RunCurves } from './runCurves';

/** Well inside TensorBoard's own reload interval (5 s). */
export const RUN_FILE_POLL_MS = 2000;

type Feed = Pick<RunCurves, 'tensorBoardChanged' | 'metricsAppended'>;

export interface RunFilePollOptions<F extends Feed> {
  /** The feeds to check (asked again each round, so feeds added or dropped meanwhile count). */
  feeds: () => Iterable<F>;
  /** What a feed's check found (for the panels showing it). */
  changed: (feed: F, changes: FeedChange[]) => void;
  intervalMs?: number;
}

export function pollRunFiles<F extends Feed>(options: RunFilePollOptions<F>): { dispose(): void } {
  const intervalMs = options.intervalMs ?? RUN_FILE_POLL_MS;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  const round = async (): Promise<void> => {
    await Promise.all(
      [...options.feeds()].map(async (feed) => {
        // Both log their own read problems; a rejection here only skips this round's part.
        const metrics = await feed.metricsAppended().catch(() => []);
        if (!disposed && metrics.length > 0) options.changed(feed, metrics);
        const tensorboard = await feed.tensorBoardChanged().catch(() => []);
        if (!disposed) options.changed(feed, tensorboard);
      }),
    );
  };
  const schedule = (): void => {
    timer = setTimeout(() => {
      timer = null;
      void round().finally(() => {
        if (!disposed) schedule();
      });
    }, intervalMs);
  };
  schedule();
  return {
    dispose: () => {
      disposed = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}
