/**
 * Keeps the runs trained outside this window (a terminal, another window, a cluster job the window
 * did not submit) current without the file watcher, which cannot be relied on for them: VS Code's
 * recursive watcher on Linux does not always watch a folder made together with its parent (`mkdir
 * -p`, as trainers make `runs/<name>/`), `files.watcherExclude` hides folders on purpose, and a
 * network file system raises no events. Every `intervalMs` it looks, for each run the store shows
 * training or stopping that this window is not training, and each run without a status (a Hugging
 * Face Trainer's has no run.json) that saved a checkpoint within the last hour, at what changes
 * while a run trains (run.json, the run folder and its checkpoints folder: a save adds an entry) and
 * whether the trainer run.json names is still alive; the run is re-read when first followed and then
 * only when one of them changed, so an unchanged run costs three stats and no redraw. Rounds never
 * overlap. vscode-free.
 */
import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { isProcessAlive } from '../../core/checkpoint/lock';
import { CHECKPOINTS_DIR } from '../../core/checkpoint/layout';
import type { RunStatus } from '../../core/run/index';
import type { Disposable } from '../util/emitter';
import type { RunStore } from './runStore';
import type { RunView } from './runView';

const FOLLOWED: ReadonlySet<RunStatus> = new Set(['training', 'stopping']);
export const ELSEWHERE_FOLLOW_MS = 5000;
/** A run with no status (no run.json) is followed while its newest checkpoint is younger than this. */
export const RECENT_SAVE_MS = 60 * 60 * 1000;

/** Whether a run that says nothing of its status looks like one training now: it saved lately. */
function savedLately(run: RunView, now: number): boolean {
  return run.status === 'unknown' && run.checkpoints.some((c) => now - c.mtimeMs < RECENT_SAVE_MS);
}

export interface ElsewhereFollowerOptions {
  intervalMs?: number;
  isProcessAlive?: (pid: number) => boolean;
}

type Store = Pick<RunStore, 'runs' | 'isActive' | 'refresh'>;

export class ElsewhereFollower implements Disposable {
  /** What each followed run's files looked like at the last round. */
  private readonly seen = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    private readonly store: Store,
    private readonly options: ElsewhereFollowerOptions = {},
  ) {
    this.schedule();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One look at every followed run (the timer's round; exposed for tests). */
  async round(): Promise<void> {
    const alive = this.options.isProcessAlive ?? isProcessAlive;
    const now = Date.now();
    const followed = this.store
      .runs()
      .filter((r) => (FOLLOWED.has(r.status) || savedLately(r, now)) && !this.store.isActive(r.dir));
    const keep = new Set(followed.map((r) => r.dir));
    for (const dir of [...this.seen.keys()]) if (!keep.has(dir)) this.seen.delete(dir);
    await Promise.all(
      followed.map(async (run) => {
        const pid = run.record?.pid ?? null;
        const files = await Promise.all(
          [path.join(run.dir, 'run.json'), run.dir, path.join(run.dir, CHECKPOINTS_DIR)].map(mtimeOf),
        );
        const mark = [...files, pid === null ? '' : String(alive(pid))].join('|');
        const before = this.seen.get(run.dir);
        this.seen.set(run.dir, mark);
        // First sight: re-read once, as it may have changed between its read and this round.
        if (before !== mark && !this.disposed) await this.store.refresh(run.dir, {});
      }),
    );
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.round()
        .catch(() => undefined)
        .finally(() => {
          if (!this.disposed) this.schedule();
        });
    }, this.options.intervalMs ?? ELSEWHERE_FOLLOW_MS);
  }
}

/** A file's or folder's change mark (modification time and size); '' when it cannot be read. */
async function mtimeOf(file: string): Promise<string> {
  return stat(file).then(
    (s) => `${s.mtimeMs}:${s.size}`,
    () => '',
  );
}
