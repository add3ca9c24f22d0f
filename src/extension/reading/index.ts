/**
 * The extension host's workspace reads, run in the reader pool's worker threads with a time budget
 * (readerPool.ts). Each function has the name and signature of the reader it wraps, so a call site
 * changes by its import only; a read the pool refuses rejects with a ReadRefusedError saying why.
 * Where no pool is installed (unit tests, tools) the readers run in the calling thread.
 */
import type { CheckpointInfo } from '../../core/checkpoint/types';
import type { ListOptions } from '../../core/checkpoint/list';
import type { MetricsHistory, MetricsObserver } from '../../core/metrics/metricsReader';
import type { MetricsOverview } from '../../core/metrics/metricsOverview';
import type { ReaderOp } from '../../core/protocol/readerWorker';
import type { HfListOptions } from '../../core/hf/checkpoints';
import type { EventFileCursor } from '../../core/tensorboard/eventFiles';
import { appendCursorOf, applyAppendedDelta, historyFromTransfer } from './metricsTransfer';
import type { ReaderArgs, ReaderResult } from './readerOps';
import type { ReaderPool, ReadOptions } from './readerPool';

export { isLoadRefusal, ReadRefusedError } from './readerPool';

let pool: ReaderPool | undefined;

/** Routes every read below through `next` (the extension's pool) until the returned disposer runs. */
export function installReaderPool(next: ReaderPool): { dispose(): void } {
  pool = next;
  return {
    dispose: () => {
      if (pool === next) pool = undefined;
      next.dispose();
    },
  };
}

function read<K extends ReaderOp>(op: K, args: ReaderArgs<K>, options?: ReadOptions): Promise<ReaderResult<K>> {
  if (pool) return pool.run(op, args, options) as Promise<ReaderResult<K>>;
  // Required here, not imported: the extension bundle never initialises the readers on its own thread.
  const { runReaderOp } = require('./readerOps') as typeof import('./readerOps');
  return runReaderOp(op, args);
}

export const listCheckpoints = (dir: string, options?: ListOptions): Promise<CheckpointInfo[]> =>
  read('listCheckpoints', [dir, options]);
export const readRunRecord = (runDir: string): Promise<ReaderResult<'readRunRecord'>> =>
  read('readRunRecord', [runDir]);
export const readTrainerState = (path: string): Promise<ReaderResult<'readTrainerState'>> =>
  read('readTrainerState', [path]);
export const listHfCheckpoints = (
  outputDir: string,
  options?: HfListOptions,
): Promise<ReaderResult<'listHfCheckpoints'>> => read('listHfCheckpoints', [outputDir, options]);
export const isHfOutputDir = (dir: string): Promise<boolean> => read('isHfOutputDir', [dir]);
export const isHfCheckpointFolder = (path: string): Promise<boolean> => read('isHfCheckpointFolder', [path]);
export const inspectHfCheckpoint = (checkpointPath: string): Promise<ReaderResult<'inspectHfCheckpoint'>> =>
  read('inspectHfCheckpoint', [checkpointPath]);
export const readSafetensorsHeader = (path: string): Promise<ReaderResult<'readSafetensorsHeader'>> =>
  read('readSafetensorsHeader', [path]);
export const loadCheckpointDetails = (info: CheckpointInfo): Promise<ReaderResult<'loadCheckpointDetails'>> =>
  read('loadCheckpointDetails', [info]);
export const nativeTrainerSummary = (checkpointPath: string): Promise<ReaderResult<'nativeTrainerSummary'>> =>
  read('nativeTrainerSummary', [checkpointPath]);

/** A config's facts for the Train quick pick (commands/configFacts.ts). */
export const configFacts = (file: string): Promise<ReaderResult<'configFacts'>> => read('configFacts', [file]);
/** A config's problems for the Problems panel (configReads.ts). */
export const configProblems = (file: string): Promise<ReaderResult<'configProblems'>> => read('configProblems', [file]);
/** A launch's config, read once: an external trainer's plan or its problem, or the built-in trainer's config (configReads.ts). */
export const readLaunchConfig = (
  configPath: string,
  options: ReaderArgs<'readLaunchConfig'>[1],
): Promise<ReaderResult<'readLaunchConfig'>> => read('readLaunchConfig', [configPath, options]);
/** The Inspect document's JSON (every file hashed): give it a budget for its size (model/inspectText.ts), and a way to cancel. */
export const inspectCheckpointText = (checkpointPath: string, options?: ReadOptions): Promise<string> =>
  read('inspectCheckpointText', [checkpointPath], options);
/** The runs table's facts and notes of a batch of runs (one worker message for the batch). */
export const readRunDetailsBatch = (
  requests: ReaderArgs<'readRunDetailsBatch'>[0],
): Promise<ReaderResult<'readRunDetailsBatch'>> => read('readRunDetailsBatch', [requests]);
/** Scalars appended to a run's TensorBoard event files since `cursor` (core/tensorboard). */
export const readTensorBoardScalars = (
  runDir: string,
  cursor?: EventFileCursor[],
): Promise<ReaderResult<'readTensorBoardScalars'>> => read('readTensorBoardScalars', [runDir, cursor]);

export async function readRunMetrics(runDir: string): Promise<MetricsHistory> {
  return historyFromTransfer(await read('readRunMetrics', [runDir]));
}

/** A long native run's overview for a chart's first paint (core/metrics/metricsOverview.ts), or null. */
export async function readRunOverview(runDir: string): Promise<MetricsOverview | null> {
  const transfer = await read('readRunOverview', [runDir]);
  return transfer && { history: historyFromTransfer(transfer.history), totalPoints: transfer.totalPoints };
}

/** Reads a long run's history in a worker so that its cache and overview exist (core/metrics/runHistory.ts). */
export function warmRunMetrics(runDir: string): Promise<boolean> {
  return read('warmRunMetrics', [runDir]);
}

/** As the core reader: extends `history` in place with complete appended lines, telling `observer`. */
export async function readAppendedMetrics(
  path: string,
  history: MetricsHistory,
  observer?: MetricsObserver,
): Promise<boolean> {
  const delta = await read('readAppendedMetricsDelta', [path, appendCursorOf(history)]);
  if (delta.ok) applyAppendedDelta(history, delta, observer);
  return delta.ok;
}
