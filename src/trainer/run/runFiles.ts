/** run.json (rewritten atomically on each status change) and the append-only metrics.jsonl. */
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainConfig } from '../../core/config/types';
import type { EvalMetricsRow } from '../../core/metrics/evalRow';
import type { BackendChoice } from '../backend/selectBackend';
import type { SlurmJobStart } from './slurmEnv';

export type RunStatus = 'training' | 'finished' | 'stopped' | 'failed';

export interface RunRecord {
  name: string;
  status: RunStatus;
  pid: number;
  config_path: string;
  config: TrainConfig;
  backend: BackendChoice;
  start_step: number;
  max_steps: number;
  step: number;
  started_at: string;
  ended_at: string | null;
  resumed_from: string | null;
  error: string | null;
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
    this.runJson = join(outputDir, 'run.json');
    this.metrics = join(outputDir, 'metrics.jsonl');
  }

  writeRecord(record: RunRecord): void {
    const temp = `${this.runJson}.tmp`;
    writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(temp, this.runJson);
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
