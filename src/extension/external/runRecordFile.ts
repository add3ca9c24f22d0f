/**
 * The run.json Training Runs keeps in an external trainer's output folder (the trainer itself knows
 * nothing of it): status, pid and the config, in the fields the run model reads for native runs, so
 * the run is discovered, shows its status after a reload, and Resume knows which config to launch.
 * Written to a temporary file and renamed, so a reader never sees half of it.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { RUN_RECORD_FILE, type RecordedStatus } from '../model/runRecord';
import { quoteCommandLine } from './argv';
import type { ExternalTrainerPlan } from './externalConfig';

export interface ExternalRunState {
  status: RecordedStatus;
  /** Null for a cluster job: its processes run on other machines. */
  pid: number | null;
  startedAt: number;
  endedAt?: number;
  exitCode?: number | null;
  error?: string | null;
}

export async function writeExternalRunRecord(plan: ExternalTrainerPlan, state: ExternalRunState): Promise<void> {
  const record = {
    status: state.status,
    ...(state.pid !== null ? { pid: state.pid } : {}),
    name: plan.name,
    config_path: plan.configPath,
    trainer: 'external',
    checkpoint_format: plan.checkpointFormat,
    command: quoteCommandLine(plan.argv),
    cwd: plan.cwd,
    resumed_from: plan.resumeFrom,
    started: new Date(state.startedAt).toISOString(),
    ...(state.endedAt !== undefined ? { ended: new Date(state.endedAt).toISOString(), exit_code: state.exitCode ?? null } : {}),
    error: state.error ?? null,
  };
  await mkdir(plan.outputDir, { recursive: true });
  const file = path.join(plan.outputDir, RUN_RECORD_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, file);
}
