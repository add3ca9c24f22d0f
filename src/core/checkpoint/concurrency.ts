/**
 * Bounded parallelism for reading many checkpoints: all at once ran a process with 1,500
 * checkpoints out of file descriptors (EMFILE). Small enough to hand-write; keeps results in order.
 */
import { isTransientReaderFailure } from './errors';

/** Folders read at once (each holds a few descriptors at a time). */
export const CHECKPOINT_READ_CONCURRENCY = 16;

export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => R | Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const RETRY_DELAYS_MS = [25, 50, 100, 200, 400, 800];

/** Runs `read` again after a pause while it fails for a transient reason of the reader (EMFILE ...); then lets the failure through. */
export async function retryTransient<R>(read: () => Promise<R>): Promise<R> {
  for (const delay of RETRY_DELAYS_MS) {
    try {
      return await read();
    } catch (error) {
      if (!isTransientReaderFailure(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return read();
}
