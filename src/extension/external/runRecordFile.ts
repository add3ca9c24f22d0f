/**
 * The run.json Training Runs keeps in an external trainer's output folder (the trainer itself knows
 * nothing of it): status, pid and the config, in the shared schema (src/core/run), so the run is
 * discovered, shows its status after a reload, and Resume knows which config to launch.
 */
import { writeRunRecord, type RecordedRunStatus } from '../../core/run/index';
import { quoteCommandLine } from './argv';
import type { ExternalTrainerPlan } from './externalConfig';

export interface ExternalRunState {
  status: RecordedRunStatus;
  /** Null for a cluster job: its processes run on other machines. */
  pid: number | null;
  startedAt: number;
  endedAt?: number;
  exitCode?: number | null;
  error?: string | null;
}

export function writeExternalRunRecord(plan: ExternalTrainerPlan, state: ExternalRunState): Promise<void> {
  return writeRunRecord(plan.outputDir, {
    status: state.status,
    pid: state.pid,
    name: plan.name,
    config_path: plan.configPath,
    started_at: new Date(state.startedAt).toISOString(),
    ended_at: state.endedAt !== undefined ? new Date(state.endedAt).toISOString() : null,
    error: state.error ?? null,
    resumed_from: plan.resumeFrom,
    trainer: 'external',
    checkpoint_format: plan.checkpointFormat,
    command: quoteCommandLine(plan.argv),
    cwd: plan.cwd,
    ...(state.endedAt !== undefined ? { exit_code: state.exitCode ?? null } : {}),
  });
}
