import { Readable } from 'node:stream';
import type { Io } from './io.ts';

/** An in-memory Io for tests: captured output, scripted stdin, chosen TTY-ness. */
export function memoryIo(options: { env?: NodeJS.ProcessEnv; stdin?: string[]; tty?: boolean; signal?: AbortSignal } = {}) {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(Readable.from(options.stdin ?? [], { objectMode: false }), { isTTY: options.tty ?? false });
  const io: Io = {
    stdout: { write: (chunk: string) => void (stdout += chunk), isTTY: options.tty ?? false },
    stderr: { write: (chunk: string) => void (stderr += chunk), isTTY: false },
    stdin,
    env: options.env ?? {},
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return { io, stdout: () => stdout, stderr: () => stderr };
}
