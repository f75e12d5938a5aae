import { CancelledError, CliError } from './errors.ts';
import type { Io } from './io.ts';

/** Reads one line from stdin; `null` on EOF before any input. Leaves stdin paused so the process can exit. */
export function readLine(stdin: Io['stdin'], signal?: AbortSignal): Promise<string | null> {
  return new Promise((resolve) => {
    let buffer = '';
    const finish = (value: string | null): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      signal?.removeEventListener('abort', onEnd);
      stdin.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      buffer += chunk.toString();
      const newline = buffer.search(/\r?\n|\r/);
      if (newline >= 0) finish(buffer.slice(0, newline));
    };
    const onEnd = (): void => finish(buffer.length > 0 ? buffer : null);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    signal?.addEventListener('abort', onEnd);
    stdin.resume();
  });
}

export const isYes = (answer: string | null): boolean => answer !== null && /^(y|yes)$/i.test(answer.trim());

/**
 * Asks `question [y/N] ?>` on the terminal. Refuses outright without a TTY (a script must say
 * `-f`), and treats anything but y/yes — including EOF — as no.
 */
export async function confirm(io: Io, question: string, refusal: string): Promise<void> {
  if (!io.stdin.isTTY) throw new CliError(`${refusal}: stdin is not a terminal, so there is no one to confirm; use -f to skip the confirmation`);
  io.stdout.write(`${question} Continue [y/N] ?> `);
  const answer = await readLine(io.stdin, io.signal);
  if (answer === null) io.stdout.write('\n');
  if (!isYes(answer)) throw new CancelledError();
}
