/**
 * A manual clock for in-process tests of code that takes a Scheduler (src/gateway/agent/clock.ts):
 * time moves only in `advance`, which fires due timers one by one in time order (same time: in the
 * order they were set), with the clock reading each one's due time while it runs, and lets pending
 * promise callbacks and ready IO callbacks run before the next one.
 */
import type { Cancel, Scheduler } from '../../src/gateway/agent/clock.ts';

interface Timer {
  /** Which after/every call it came from (a periodic timer keeps it across runs). */
  id: number;
  at: number;
  /** Order of setting, for timers due at the same time. */
  seq: number;
  run: () => void;
  /** Set for `every`: fires again this long after each run. */
  periodMs: number | undefined;
}

/** A few turns of the event loop: promise chains run, and IO already readable is read. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Scheduler {
  private time: number;
  private seq = 0;
  private ids = 0;
  private readonly timers = new Set<Timer>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.time = start;
  }

  /** The current time (unix ms); a property, so it can be handed out as `now`. */
  readonly now = (): number => this.time;

  /** Timers set and not yet fired or cancelled. */
  get pending(): number {
    return this.timers.size;
  }

  after(ms: number, run: () => void): Cancel {
    return this.add(ms, run, undefined);
  }

  every(ms: number, run: () => void): Cancel {
    return this.add(ms, run, Math.max(1, ms));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Moves time forward by `ms`, firing every timer due by then, and settles after each. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (let next = this.nextDue(end); next !== undefined; next = this.nextDue(end)) {
      this.time = next.at;
      this.timers.delete(next);
      if (next.periodMs !== undefined) this.timers.add({ ...next, at: next.at + next.periodMs, seq: this.seq++ });
      next.run();
      await settle();
    }
    this.time = end;
  }

  private add(ms: number, run: () => void, periodMs: number | undefined): Cancel {
    const id = this.ids++;
    this.timers.add({ id, at: this.time + Math.max(0, ms), seq: this.seq++, run, periodMs });
    return () => {
      for (const t of this.timers) if (t.id === id) this.timers.delete(t);
    };
  }

  private nextDue(end: number): Timer | undefined {
    let next: Timer | undefined;
    for (const t of this.timers) if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
    return next;
  }
}
