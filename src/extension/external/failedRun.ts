/**
 * A run that never starts: an external-trainer config that does not validate. It reports the
 * config error as the built-in trainer does (a `failed` event with file, line and field, so the
 * UI opens the file there) and exits "failed" at once, with no process spawned.
 */
import { isAbsolute } from 'node:path';
import { ConfigError, formatConfigError } from '../../core/config/errors';
import type { TrainerEvent, TrainerEventOf } from '../../core/protocol/trainerEvents';
import type { LogStream, TrainerExit, TrainerLaunch, TrainerRun } from '../process/trainerProcess';
import { Emitter } from '../util/emitter';

export class FailedTrainerRun implements TrainerRun {
  readonly launch: TrainerLaunch;
  readonly exited: Promise<TrainerExit>;
  readonly pid = undefined;
  readonly stopping = false;
  private done = false;
  private readonly events = new Emitter<TrainerEvent>();
  private readonly logs = new Emitter<{ stream: LogStream; text: string }>();
  readonly onEvent = this.events.event;
  readonly onLog = this.logs.event;

  constructor(configPath: string, error: unknown) {
    this.launch = { execPath: '(external trainer)', script: configPath, args: [], cwd: '', env: {} };
    const failure: TrainerEventOf<'failed'> =
      error instanceof ConfigError
        ? {
            type: 'failed',
            kind: 'config',
            // The UI puts file:line in front of the message itself.
            message: `${error.field ? `${error.field}: ` : ''}${error.message}${error.expected ? `; expected ${error.expected}` : ''}${error.suggestion ? `; ${error.suggestion}` : ''}`,
            ...(isAbsolute(error.file) ? { file: error.file } : {}),
            ...(error.line !== null ? { line: error.line } : {}),
            ...(error.column !== null ? { column: error.column } : {}),
            ...(error.field ? { field: error.field } : {}),
          }
        : { type: 'failed', kind: 'config', message: `${configPath}: ${(error as Error).message ?? String(error)}` };
    // Listeners subscribe right after construction: report on the next turn.
    this.exited = new Promise((resolve) =>
      setImmediate(() => {
        this.logs.fire({
          stream: 'runner',
          text: `${error instanceof ConfigError ? formatConfigError(error) : failure.message}\n`,
        });
        this.events.fire(failure);
        this.done = true;
        resolve({
          status: 'failed',
          exitCode: null,
          signal: null,
          forcedKill: false,
          failure,
          message: failure.message,
        });
      }),
    );
  }

  get running(): boolean {
    return !this.done;
  }

  stop(): Promise<TrainerExit> {
    return this.exited;
  }

  forceKill(): void {}

  dispose(): void {
    this.events.dispose();
    this.logs.dispose();
  }
}
