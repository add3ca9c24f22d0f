/** run.json (rewritten atomically on each status change, by src/core/run) and the append-only metrics.jsonl. */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../../core/config/types';
import {
  METRICS_FILE,
  RUN_RECORD_FILE,
  writeRunRecord,
  type RecordedRunStatus,
  type RunRecordFile,
} from '../../core/run/index';
import type { EvalMetricsRow } from '../../core/metrics/evalRow';
import type { BackendChoice } from '../backend/selectBackend';
import type { SlurmJobStart } from './slurmEnv';

/** The built-in trainer's run.json: the shared fields plus what only it knows. */
export interface RunRecord extends RunRecordFile {
  status: RecordedRunStatus;
  config: TrainConfig;
  backend: BackendChoice;
  start_step: number;
  max_steps: number;
  step: number;
  model: Record<string, unknown>;
  data: Record<string, unknown>;
  /** The Slurm job and restart this start belongs to; null outside Slurm. */
  slurm: SlurmJobStart | null;
}

export interface MetricsRow {
  step: number;
  epoch: number;
  loss: number;
  lr: number;
  examples_per_sec: number;
  steps_per_sec: number;
  wall_time: number;
  /** Seconds since this process started training. */
  elapsed: number;
}

export class RunFiles {
  readonly runJson: string;
  readonly metrics: string;

  constructor(readonly outputDir: string) {
    mkdirSync(outputDir, { recursive: true });
    this.runJson = join(outputDir, RUN_RECORD_FILE);
    this.metrics = join(outputDir, METRICS_FILE);
  }

  writeRecord(record: RunRecord): Promise<void> {
    return writeRunRecord(this.outputDir, record);
  }

  appendMetrics(row: MetricsRow | EvalMetricsRow): void {
    appendFileSync(this.metrics, `${JSON.stringify(row)}\n`);
  }

  /** Marks where a resumed run continues, so curves drop the abandoned branch and label the resume. */
  appendResumeMarker(marker: ResumeMarker): void {
    appendFileSync(this.metrics, `${JSON.stringify({ event: 'resumed', ...marker })}\n`);
  }
}

export interface ResumeMarker {
  step: number;
  /** Checkpoint folder name resumed from. */
  from: string;
  time: number;
}
