/**
 * Every file read the run store (and the loss-curves panels and Hugging Face follower it feeds)
 * does, behind one object that is injected: tests count and delay reads through it, and the reads
 * go through the reader pool's worker threads (src/extension/reading, whose async facade keeps the
 * core readers' names and signatures). Nothing else under src/extension/store reads files.
 */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { CheckpointInfo } from '../../core/checkpoint/types';
import type { HfCheckpointInfo, HfListOptions } from '../../core/hf/checkpoints';
import type { HfTrainerState } from '../../core/hf/trainerState';
import type { MetricsHistory, MetricsObserver } from '../../core/metrics/metricsReader';
import type { MetricsOverview } from '../../core/metrics/metricsOverview';
import type { RunRecordResult } from '../../core/run/index';
import type { EventFileCursor, ScalarPoint } from '../../core/tensorboard';
import * as reading from '../reading';
import { engineCheckpointSource, TEMP_PREFIX, type ListRequest, type TrainerSummary } from '../model/checkpointEngine';
import { hfAwareSource } from '../external/lazy';

export type { ListRequest, TrainerSummary };

export interface RunReader {
  /** A run's checkpoints, newest first: its Hugging Face `checkpoint-<step>/` folders when it has any, else the engine's. */
  listRunCheckpoints(runDir: string, request?: ListRequest): Promise<CheckpointInfo[]>;
  /** Loss and best-checkpoint name from a checkpoint's trainer_state.json (either format); null when unreadable. */
  readTrainerSummary(checkpointPath: string): Promise<TrainerSummary | null>;
  /** run.json (src/core/run). */
  readRunRecord(runDir: string): Promise<RunRecordResult>;
  /** Temporary folders of saves in progress (native `checkpoints/<TEMP_PREFIX>…`, Hugging Face-style `tmp-checkpoint-<step>/`). */
  listWritingFolders(runDir: string): Promise<string[]>;
  /** The loss-curve history of a run: metrics.jsonl, else the Hugging Face log_history. */
  readRunMetrics(runDir: string): Promise<MetricsHistory>;
  /** A long native run's small overview for a chart's first paint; null when it has none worth reading. */
  readRunOverview(runDir: string): Promise<MetricsOverview | null>;
  /** Reads a long native run's history so its cache and overview are written; false when they were fresh or it is short. */
  warmRunMetrics(runDir: string): Promise<boolean>;
  /** Lines appended to metrics.jsonl since `history.bytesRead`; false when the file was rewritten. */
  readAppendedMetrics(file: string, history: MetricsHistory, observer?: MetricsObserver): Promise<boolean>;
  /** Scalars written to the run's TensorBoard event files since `cursor` (none: from the start), and where to continue. */
  readTensorBoardScalars(
    runDir: string,
    cursor?: EventFileCursor[],
  ): Promise<{ points: ScalarPoint[]; problems: string[]; cursor: EventFileCursor[] }>;
  /** A Hugging Face output folder's checkpoints. */
  listHfCheckpoints(outputDir: string, options?: HfListOptions): Promise<HfCheckpointInfo[]>;
  /** A Hugging Face trainer_state.json; throws when it is unreadable. */
  readTrainerState(file: string): Promise<HfTrainerState>;
  /** Bytes of the files directly in a folder (a checkpoint's size). */
  folderBytes(dir: string): Promise<number>;
}

const checkpoints = hfAwareSource(engineCheckpointSource);

async function subfolders(parent: string, wanted: (name: string) => boolean): Promise<string[]> {
  try {
    const entries = await readdir(parent, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && wanted(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
}

/** The reads: the core readers, run in the reader pool's worker threads with a time budget (../reading), the folder walks here. */
export const fileRunReader: RunReader = {
  listRunCheckpoints: (runDir, request) => checkpoints.list(runDir, request),
  readTrainerSummary: (checkpointPath) => checkpoints.trainerSummary(checkpointPath),
  readRunRecord: (runDir) => reading.readRunRecord(runDir),
  async listWritingFolders(runDir) {
    const [native, hf] = await Promise.all([
      subfolders(path.join(runDir, 'checkpoints'), (name) => name.startsWith(TEMP_PREFIX)),
      subfolders(runDir, (name) => /^tmp-checkpoint-\d+$/.test(name)),
    ]);
    return [...native, ...hf];
  },
  readRunMetrics: (runDir) => reading.readRunMetrics(runDir),
  readRunOverview: (runDir) => reading.readRunOverview(runDir),
  warmRunMetrics: (runDir) => reading.warmRunMetrics(runDir),
  readAppendedMetrics: (file, history, observer) => reading.readAppendedMetrics(file, history, observer),
  readTensorBoardScalars: (runDir, cursor) => reading.readTensorBoardScalars(runDir, cursor),
  listHfCheckpoints: (outputDir, options) => reading.listHfCheckpoints(outputDir, options),
  readTrainerState: (file) => reading.readTrainerState(file),
  async folderBytes(dir) {
    let total = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      total += await stat(path.join(dir, name)).then(
        (s) => (s.isFile() ? s.size : 0),
        () => 0,
      );
    }
    return total;
  },
};
