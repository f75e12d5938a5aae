import { ApiError, NetworkError } from '../client/errors.ts';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** A failure the CLI explains in one line; `exitCode` is what the process returns. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Bad arguments detected by a command itself; main prints it with the verb's usage. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT_USAGE);
    this.name = 'UsageError';
  }
}

/** The user answered no (or nothing) to a confirmation. */
export class CancelledError extends CliError {
  constructor(message = 'Cancelled.') {
    super(message, EXIT_FAILED);
    this.name = 'CancelledError';
  }
}

/** The single readable line for any error; a stack trace only with --debug (printed by main). */
export function describeError(error: unknown, debug: boolean): string {
  if (error instanceof ApiError) {
    const trace = debug && error.trace ? ` (trace ${error.trace})` : '';
    return `FAILED ${error.code}: ${error.message}${trace}`;
  }
  if (error instanceof NetworkError) return `FAILED ${error.message}`;
  if (error instanceof CancelledError) return error.message;
  if (error instanceof CliError) return `FAILED ${error.message}`;
  if (error instanceof Error) return `FAILED ${error.message}`;
  return `FAILED ${String(error)}`;
}

export const exitCodeOf = (error: unknown): number => (error instanceof CliError ? error.exitCode : EXIT_FAILED);
