/** Run readers for tests of the run store: a fake checkpoint source over the real file reads, and one that counts listings. */
import * as path from 'node:path';
import type { CheckpointInfo } from '../../src/core/checkpoint/types';
import type { CheckpointSource } from '../../src/extension/model/checkpointEngine';
import { fileRunReader, type RunReader } from '../../src/extension/store/runReader';

/** The store's reader with its checkpoint listing and trainer summaries taken from `source`. */
export function readerWith(source: CheckpointSource, overrides: Partial<RunReader> = {}): RunReader {
  return {
    ...fileRunReader,
    listRunCheckpoints: (runDir, request) => source.list(runDir, request),
    readTrainerSummary: (checkpointPath) => source.trainerSummary(checkpointPath),
    ...overrides,
  };
}

/** A reader that lists no checkpoints. */
export const emptyReader = (): RunReader => readerWith({ list: async () => [], trainerSummary: async () => null });

/** Wraps a reader so that every checkpoint listing is counted, by run folder. */
export function countingListings(reader: RunReader): {
  reader: RunReader;
  listings: Map<string, number>;
  total(): number;
} {
  const listings = new Map<string, number>();
  return {
    listings,
    total: () => [...listings.values()].reduce((a, b) => a + b, 0),
    reader: {
      ...reader,
      listRunCheckpoints(runDir, request) {
        const dir = path.resolve(runDir);
        listings.set(dir, (listings.get(dir) ?? 0) + 1);
        return reader.listRunCheckpoints(runDir, request);
      },
    },
  };
}

/** A valid checkpoint row as a listing gives it: `checkpoint-<step>` in `folder`, saved at `mtimeMs` (its trainer state left to be read). */
export function checkpointRow(folder: string, step: number, mtimeMs: number): CheckpointInfo {
  return {
    path: path.join(folder, `checkpoint-${step}`),
    name: `checkpoint-${step}`,
    step,
    mtimeMs,
    valid: true,
    latest: false,
    problems: [],
    optimizer: null,
    scheduler: null,
  };
}
