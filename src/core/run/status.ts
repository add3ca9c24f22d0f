/**
 * The one run-status type. Every place that speaks of a run's state (run.json, a trainer's exit,
 * the Runs tree, the status bar, the loss-curves panels) uses it or one of its named subsets.
 */
import * as z from 'zod';

/** What run.json can say: a trainer writes one of these. */
export const RECORDED_RUN_STATUSES = ['training', 'finished', 'stopped', 'failed'] as const;

export const runStatusSchema = z.enum([...RECORDED_RUN_STATUSES, 'stopping', 'unknown']);

/**
 * training / stopping (this window asked it to stop) / stopped / finished / failed, or unknown
 * (no readable run.json and no trainer of this window).
 */
export type RunStatus = z.infer<typeof runStatusSchema>;

/** The statuses a run.json records. */
export type RecordedRunStatus = (typeof RECORDED_RUN_STATUSES)[number];

/** How a trainer ended. */
export type EndedRunStatus = Extract<RunStatus, 'finished' | 'stopped' | 'failed'>;
