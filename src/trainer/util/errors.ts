/** A problem with what the user asked for (config, data, device): exit code 2, one line, no stack. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly field?: string,
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
