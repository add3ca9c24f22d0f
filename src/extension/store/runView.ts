/** What the run store holds for one run: the views its subscribers render. vscode-free. */
import * as path from 'node:path';
import type { CheckpointInfo } from '../../core/checkpoint/types';
import type { RunRecord, RunStatus } from '../../core/run/index';

export interface CheckpointView extends CheckpointInfo {
  /** Training loss when it was saved (trainer_state.json), if known. */
  loss: number | null;
  /** The run's best checkpoint (src/core/run/bestCheckpoint.ts). */
  best: boolean;
}

export interface LiveProgress {
  step: number;
  maxSteps: number;
  loss: number | null;
  etaSec: number | null;
  startedAt: number;
}

/** The Slurm job that trains a run, as this window last saw it (src/core/slurm/jobInfo.ts). */
export interface ClusterJobView {
  jobId: string;
  /** Slurm's state word, e.g. PENDING, RUNNING, REQUEUED. */
  state: string;
  /** Why it waits or ended ('None' when Slurm has nothing to say). */
  reason: string;
  restarts: number;
}

export interface RunView {
  dir: string;
  name: string;
  status: RunStatus;
  /** Why the status is what it is when that is not obvious (failure message, dead pid). */
  statusDetail: string | null;
  record: RunRecord | null;
  /** Newest first, exactly as the checkpoint engine lists them. */
  checkpoints: CheckpointView[];
  /** Temporary folders of saves in progress. */
  writing: string[];
  live: LiveProgress | null;
  /** Problems reading the folder itself (not a checkpoint's own problems). */
  problems: string[];
  /**
   * Why the run's own files could not be read (refused as too large, malformed, not a regular file,
   * or over the read time budget), paths relative to the run folder; absent when they were read.
   */
  unreadable?: string;
  /** Set while this window follows the run's Slurm job. */
  clusterJob?: ClusterJobView | null;
}

export function emptyRun(dir: string): RunView {
  return {
    dir,
    name: path.basename(dir),
    status: 'unknown',
    statusDetail: null,
    record: null,
    checkpoints: [],
    writing: [],
    live: null,
    problems: [],
  };
}

/** The newest valid checkpoint: what "Resume (latest)" continues from. */
export function latestValidCheckpoint(run: RunView): CheckpointView | undefined {
  return run.checkpoints.find((c) => c.valid);
}

/** The run's best checkpoint, if it has one. */
export function bestCheckpoint(run: RunView): CheckpointView | undefined {
  return run.checkpoints.find((c) => c.best);
}
