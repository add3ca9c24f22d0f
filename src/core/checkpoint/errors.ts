/** A checkpoint problem the user must fix; `exitCode` is what the command line exits with (2 = bad input). */
export class CheckpointError extends Error {
  override readonly name: string = 'CheckpointError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 2,
  ) {
    super(message);
  }
}

/**
 * Reading failed for a reason of this machine, not of the file (too many open files, out of memory,
 * an I/O error): nothing was learnt about the checkpoint, so it is never counted as invalid; the
 * command fails instead (exit 1) rather than silently resume from an older checkpoint.
 */
export class ReaderIoError extends CheckpointError {
  override readonly name = 'ReaderIoError';
  constructor(
    readonly path: string,
    readonly code: string,
    cause: string,
  ) {
    super(
      `cannot read ${path}: ${cause} (a failure of this machine, not of the checkpoint, which was not judged${code === 'EMFILE' || code === 'ENFILE' ? '; raise the open-file limit, ulimit -n' : ''})`,
      1,
    );
  }
}

/** Another live process holds the run folder's lock. */
export class LockError extends Error {
  override readonly name = 'LockError';
  constructor(
    message: string,
    readonly holderPid: number | null,
    /** The system error code behind it (EACCES, EROFS, EIO ...), where one was. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The error code of a Node system error (ENOENT, ENOSPC ...), or undefined. */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Worth another try after a short wait: resources of this process or machine, not the file. */
const TRANSIENT_CODES: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR', 'ENOMEM']);
/** Errors of the reader, never a property of a checkpoint. */
const READER_FAILURE_CODES: ReadonlySet<string> = new Set([...TRANSIENT_CODES, 'EIO']);

/** Rethrows `error` as a ReaderIoError when it is the reader's failure; returns otherwise (the caller records a problem). */
export function rethrowReaderFailure(error: unknown, path: string): void {
  if (error instanceof ReaderIoError) throw error;
  const code = errorCode(error);
  if (code !== undefined && READER_FAILURE_CODES.has(code)) throw new ReaderIoError(path, code, errorMessage(error));
}

export function isTransientReaderFailure(error: unknown): boolean {
  return error instanceof ReaderIoError && TRANSIENT_CODES.has(error.code);
}
