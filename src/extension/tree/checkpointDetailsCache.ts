/**
 * The details under each checkpoint node, read once and kept until the checkpoint changes (its
 * mtime). A read refused for the machine's load (over the time budget, a reader thread that died:
 * isLoadRefusal) is shown but not kept, so the next expand or refresh reads again; a refusal caused
 * by the files themselves (too large, malformed, more memory than a reader has) is kept until they
 * change. vscode-free (unit-tested).
 */
import { isLoadRefusal } from '../reading/readerPool';

export class CheckpointDetailsCache<T> {
  private readonly entries = new Map<string, { mtimeMs: number; value: T }>();

  /**
   * The cached value of `path` at `mtimeMs`, else `load`'s. `load` calls `refused` with every error
   * it turned into an "unreadable" part of its value; one refused for load keeps the value uncached.
   */
  async get(path: string, mtimeMs: number, load: (refused: (err: unknown) => void) => Promise<T>): Promise<T> {
    const cached = this.entries.get(path);
    if (cached && cached.mtimeMs === mtimeMs) return cached.value;
    let byLoad = false;
    const value = await load((err) => {
      byLoad ||= isLoadRefusal(err);
    });
    if (byLoad) this.entries.delete(path);
    else this.entries.set(path, { mtimeMs, value });
    return value;
  }
}
