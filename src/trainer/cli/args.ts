/** Shared command-line helpers: parseArgs with one-line usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Bad usage or bad input: the dispatcher prints the message on one line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict parse: unknown flags and missing values become a UsageError naming the flag. */
export function parseCommandArgs<T extends Options>(command: string, argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? String(error);
    throw new UsageError(`${command}: ${message}`);
  }
}

/** Exactly one positional argument, named `what` in the error. */
export function singlePositional(command: string, positionals: string[], what: string): string {
  if (positionals.length === 0)
    throw new UsageError(`${command}: missing ${what} (usage: ${command} ${what} [options])`);
  if (positionals.length > 1)
    throw new UsageError(`${command}: expected one ${what}, got ${positionals.length}: ${positionals.join(' ')}`);
  return positionals[0]!;
}
