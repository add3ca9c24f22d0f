/**
 * A run's status as run.json gives it, corrected when the trainer it names is gone (the store
 * overrides it for the runs this window trains or trained).
 */
import type { RunRecord } from '../../core/run/index';
import type { RunView } from './runView';

/** The status run.json gives, corrected when its trainer is gone. */
export function statusOf(
  record: RunRecord | null,
  isAlive: (pid: number) => boolean,
): Pick<RunView, 'status' | 'statusDetail'> {
  if (!record || !record.status) return { status: 'unknown', statusDetail: record ? null : 'no run.json' };
  if (record.status === 'training') {
    if (record.pid !== null && !isAlive(record.pid))
      return {
        status: 'failed',
        statusDetail: `run.json says training, but its trainer (pid ${record.pid}) is no longer running`,
      };
    return {
      status: 'training',
      statusDetail: record.pid !== null ? `trained by pid ${record.pid} outside this window` : null,
    };
  }
  return { status: record.status, statusDetail: record.status === 'failed' ? record.error : null };
}
