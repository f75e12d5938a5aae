/**
 * Every wait the agent does for its runtimes goes through a Scheduler, so the same code runs on
 * the system's timers in production and on a manual clock in tests (test/support/fake-clock.ts).
 * Decisions about *when* stay in the pure core, fed with `now`; this only makes time pass.
 */
export type Cancel = () => void;

export interface Scheduler {
  /** Runs `run` once, `ms` from now, unless cancelled first; `keepAlive`: the process waits for it. */
  after(ms: number, run: () => void, keepAlive?: boolean): Cancel;
  /** Runs `run` every `ms` until cancelled. */
  every(ms: number, run: () => void): Cancel;
  /** Resolves `ms` from now. */
  sleep(ms: number): Promise<void>;
}

/**
 * Node's timers. `after` (unless asked) and `every` do not keep the process alive (a gateway exits
 * when its work is done); a `sleep` does, as the awaited wait it stands for.
 */
export const systemScheduler: Scheduler = {
  after(ms, run, keepAlive = false) {
    const timer = setTimeout(run, ms);
    if (!keepAlive) timer.unref();
    return () => clearTimeout(timer);
  },
  every(ms, run) {
    const timer = setInterval(run, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
