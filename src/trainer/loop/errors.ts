import { CheckpointError, LockError } from '../../core/checkpoint/errors';
import { ConfigError, formatConfigError } from '../../core/config/errors';
import type { TrainerEventOf } from '../../core/protocol/trainerEvents';
import { SlurmSetupError } from '../../core/slurm/setup';
import { InputError } from '../util/errors';

/** How a failure is reported: the `failed` event, the one-line message, and the exit code (2 bad input, 1 runtime). */
export function describeFailure(
  error: unknown,
  cwd = process.cwd(),
): { event: TrainerEventOf<'failed'>; exitCode: number } {
  if (error instanceof ConfigError) {
    const event: TrainerEventOf<'failed'> = {
      type: 'failed',
      kind: 'config',
      message: formatConfigError(error, { cwd }),
      file: error.file,
      field: error.field,
    };
    if (error.line !== null) event.line = error.line;
    if (error.column !== null) event.column = error.column;
    return { event, exitCode: 2 };
  }
  if (error instanceof InputError) {
    const event: TrainerEventOf<'failed'> = { type: 'failed', kind: 'config', message: error.message };
    if (error.file) event.file = error.file;
    if (error.line) event.line = error.line;
    if (error.field) event.field = error.field;
    return { event, exitCode: 2 };
  }
  if (error instanceof SlurmSetupError)
    return { event: { type: 'failed', kind: 'usage', message: error.message }, exitCode: 2 };
  if (error instanceof LockError)
    return { event: { type: 'failed', kind: 'usage', message: error.message }, exitCode: 2 };
  if (error instanceof CheckpointError)
    return { event: { type: 'failed', kind: 'checkpoint', message: error.message }, exitCode: error.exitCode };
  if (error instanceof Error && error.name === 'UsageError')
    return { event: { type: 'failed', kind: 'usage', message: error.message }, exitCode: 2 };
  const message = error instanceof Error ? error.message : String(error);
  return { event: { type: 'failed', kind: 'runtime', message: message.split('\n')[0]! }, exitCode: 1 };
}
