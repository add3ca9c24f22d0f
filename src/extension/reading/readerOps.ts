/**
 * The reads a reader worker runs, by the name the protocol (src/core/protocol/readerWorker.ts)
 * gives them. Values are what crosses the boundary: plain data (metrics histories as columns).
 */
import { listCheckpoints } from '../../core/checkpoint/list';
import { readSafetensorsHeader } from '../../core/checkpoint/safetensorsFile';
import { isHfCheckpointFolder } from '../../core/hf/checkpointFolder';
import { inspectHfCheckpoint, isHfOutputDir, listHfCheckpoints } from '../../core/hf/checkpoints';
import { readTrainerState } from '../../core/hf/trainerState';
import type { ReaderOp } from '../../core/protocol/readerWorker';
import { loadCheckpointDetails, nativeTrainerSummary } from '../model/checkpointReads';
import { readRunRecord } from '../../core/run/index';
import { readTensorBoardScalars } from '../../core/tensorboard/eventFiles';
import { readAppendedMetricsDelta, readRunMetricsTransfer } from './metricsTransfer';

export const readerOps = {
  listCheckpoints,
  readRunRecord,
  readRunMetrics: readRunMetricsTransfer,
  readAppendedMetricsDelta,
  readTensorBoardScalars,
  readTrainerState,
  listHfCheckpoints,
  isHfOutputDir,
  isHfCheckpointFolder,
  inspectHfCheckpoint,
  readSafetensorsHeader,
  loadCheckpointDetails,
  nativeTrainerSummary,
} satisfies Record<ReaderOp, (...args: never[]) => Promise<unknown>>;

export type ReaderOps = typeof readerOps;
export type ReaderArgs<K extends ReaderOp> = Parameters<ReaderOps[K]>;
export type ReaderResult<K extends ReaderOp> = Awaited<ReturnType<ReaderOps[K]>>;

/** Runs one read in this thread (inside a worker, or where no pool is installed). */
export function runReaderOp<K extends ReaderOp>(op: K, args: ReaderArgs<K>): Promise<ReaderResult<K>> {
  // TypeScript cannot relate a union of functions to one K; the table's `satisfies` keeps it honest.
  const read = readerOps[op] as unknown as (...a: ReaderArgs<K>) => Promise<ReaderResult<K>>;
  return read(...args);
}
