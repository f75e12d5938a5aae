/**
 * Everything a benchmark starts is registered here the moment it exists, and undone in reverse
 * order whether the benchmark finished, failed or was interrupted (SIGINT/SIGTERM).
 */
type Undo = () => Promise<void> | void;

export class Cleanup {
  private readonly undo: { what: string; run: Undo }[] = [];

  add(what: string, run: Undo): void {
    this.undo.push({ what, run });
  }

  async run(): Promise<void> {
    while (this.undo.length > 0) {
      const step = this.undo.pop();
      if (step === undefined) break;
      try {
        await step.run();
      } catch (error) {
        process.stderr.write(`bench cleanup: ${step.what} failed: ${String(error)}\n`);
      }
    }
  }
}

/** Runs `work` with a fresh Cleanup that is always run, also on a signal while `work` runs. */
export async function withCleanup<T>(work: (cleanup: Cleanup) => Promise<T>): Promise<T> {
  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await work(cleanup);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup.run();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` returns a value, or throws naming `what` at the deadline. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
