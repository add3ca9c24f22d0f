/** A checkpoint problem the user must fix; `exitCode` is what the command line exits with (2 = bad input). */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

/** Another live process holds the run folder's lock. */
export class LockError extends Error {
  override readonly name = 'LockError';
  constructor(
    message: string,
    readonly holderPid: number | null,
  ) {
    super(message);
  }
}

/** The error code of a Node system error (ENOENT, ENOSPC ...), or undefined. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
