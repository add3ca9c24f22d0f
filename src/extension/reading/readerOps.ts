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
import { readRunDetailsBatch } from '../../core/runsTable/runDetails';
import { loadCheckpointDetails, nativeTrainerSummary } from '../model/checkpointReads';
import { readRunRecord } from '../../core/run/index';
import { warmRunMetrics } from '../../core/metrics/runHistory';
import { readTensorBoardScalars } from '../../core/tensorboard/eventFiles';
import {
  readAppendedMetricsDelta,
  readRunMetricsTransfer,
  readRunOverviewTransfer,
  transferBuffers,
} from './metricsTransfer';

// Required on first use: a listing run in the calling thread (no pool) loads no YAML parser or hashing.
type ConfigReads = typeof import('./configReads');
const configReads = (): ConfigReads => require('./configReads') as ConfigReads;
type InspectText = typeof import('../model/inspectText');
const inspectText = (): InspectText => require('../model/inspectText') as InspectText;

export const readerOps = {
  listCheckpoints,
  readRunRecord,
  readRunMetrics: readRunMetricsTransfer,
  readRunOverview: readRunOverviewTransfer,
  warmRunMetrics,
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
  configFacts: (...a: Parameters<ConfigReads['configFacts']>) => configReads().configFacts(...a),
  configProblems: (...a: Parameters<ConfigReads['configProblems']>) => configReads().configProblems(...a),
  readLaunchConfig: (...a: Parameters<ConfigReads['readLaunchConfig']>) => configReads().readLaunchConfig(...a),
  inspectCheckpointText: (...a: Parameters<InspectText['inspectCheckpointText']>) =>
    inspectText().inspectCheckpointText(...a),
  readRunDetailsBatch,
} satisfies Record<ReaderOp, (...args: never[]) => Promise<unknown>>;

export type ReaderOps = typeof readerOps;
export type ReaderArgs<K extends ReaderOp> = Parameters<ReaderOps[K]>;
export type ReaderResult<K extends ReaderOp> = Awaited<ReturnType<ReaderOps[K]>>;

/** Buffers a read's value moves to the host instead of copying (what the worker no longer needs). */
export function transferablesOf<K extends ReaderOp>(op: K, value: ReaderResult<K>): ArrayBuffer[] {
  return op === 'readRunMetrics' ? transferBuffers(value as ReaderResult<'readRunMetrics'>) : [];
}

/** Runs one read in this thread (inside a worker, or where no pool is installed). */
export function runReaderOp<K extends ReaderOp>(op: K, args: ReaderArgs<K>): Promise<ReaderResult<K>> {
  // TypeScript cannot relate a union of functions to one K; the table's `satisfies` keeps it honest.
  const read = readerOps[op] as unknown as (...a: ReaderArgs<K>) => Promise<ReaderResult<K>>;
  return read(...args);
}
