import { setTimeout as delay } from 'node:timers/promises';
import type { Io } from './io.ts';

/** One status line rewritten in place; only used when stdout is a terminal. */
export class ProgressLine {
  private shown = false;

  constructor(private readonly stdout: Io['stdout']) {}

  update(text: string): void {
    this.stdout.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  finish(text: string): void {
    this.stdout.write(`${this.shown ? '\r\x1b[K' : ''}${text}\n`);
    this.shown = false;
  }
}

export interface WaitOptions {
  /** How many of the targets are done now. */
  check: () => Promise<number>;
  total: number;
  deadlineMs: number;
  intervalMs?: number;
  signal?: AbortSignal | undefined;
  onProgress: (done: number) => void;
}

/** Polls `check` until every target is done, the deadline passes or the signal aborts; returns the last count. */
export async function waitForAll(options: WaitOptions): Promise<number> {
  const deadline = Date.now() + options.deadlineMs;
  let done = await options.check();
  options.onProgress(done);
  while (done < options.total && Date.now() < deadline && !options.signal?.aborted) {
    await delay(options.intervalMs ?? 500, undefined, options.signal ? { signal: options.signal } : {}).catch(() => undefined);
    done = await options.check();
    options.onProgress(done);
  }
  return done;
}
