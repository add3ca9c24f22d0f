/**
 * Re-checks the TensorBoard event files of the runs the loss-curves panels show on a timer, besides
 * the store's watcher events, which cannot be relied on for them: on Linux VS Code's recursive
 * watcher does not watch folders created together with their parent (`mkdir -p`; parcel-bundler/
 * watcher#97), which is how TensorBoard's writers create `runs/<session>/`, so appends to those
 * files raise no event at all; a network file system (a cluster's shared disk) raises none either.
 * Each round starts only after the previous one finished, so slow reads never pile up. Free of `vscode`.
 */
import type { FeedChange, RunCurves } from './runCurves';

/** Well inside TensorBoard's own reload interval (5 s). */
export const EVENT_FILE_POLL_MS = 2000;

type Feed = Pick<RunCurves, 'tensorBoardChanged'>;

export interface EventFilePollOptions<F extends Feed> {
  /** The feeds to check (asked again each round, so feeds added or dropped meanwhile count). */
  feeds: () => Iterable<F>;
  /** What a feed's check found (for the panels showing it). */
  changed: (feed: F, changes: FeedChange[]) => void;
  intervalMs?: number;
}

export function pollEventFiles<F extends Feed>(options: EventFilePollOptions<F>): { dispose(): void } {
  const intervalMs = options.intervalMs ?? EVENT_FILE_POLL_MS;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;
  const round = async (): Promise<void> => {
    await Promise.all(
      [...options.feeds()].map(async (feed) => {
        // tensorBoardChanged logs its own read problems; a rejection here only skips this round.
        const changes = await feed.tensorBoardChanged().catch(() => []);
        if (!disposed) options.changed(feed, changes);
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
