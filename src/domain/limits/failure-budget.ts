import { RateLimitedError } from '../../errors/catalogue.ts';
import { countersAtLeast, deleteCounter, extendCounter, hitCounter, readCounters, type Counter } from '../../store/rate-limits.ts';
import type { DomainContext } from '../context.ts';

/** `max` per `windowMs` (the shape of the configured limits; null switches a budget off). */
export interface Rate {
  max: number;
  windowMs: number;
}

export interface LockedSubject {
  subject: string;
  failures: number;
  lockedUntil: number;
}

/**
 * A budget of failed attempts per subject (a client address, a key prefix, a user), kept in the
 * store so every replica counts together. `max` failures within `windowMs` lock the subject out
 * for a full window from the failure that filled the budget; successes cost nothing. While
 * locked, the caller refuses without even checking the credential, so guessing stops paying.
 */
export class FailureBudget {
  constructor(
    private readonly ctx: DomainContext,
    /** Namespace of the counters, e.g. `vpnauth`; no `_` or `%` (it is used in LIKE). */
    private readonly namespace: string,
    readonly rate: Rate | null,
  ) {}

  key(subject: string): string {
    return `${this.namespace}:${subject}`;
  }

  /** Ms until the subject may try again, from its counter; undefined when it is not locked. */
  lockedBy(counter: Counter | undefined): number | undefined {
    if (!this.rate || !counter || counter.hits < this.rate.max) return undefined;
    return counter.resetAt - this.ctx.clock.now();
  }

  /** Ms until the first locked subject may try again; undefined when none is locked. One read. */
  async lockedFor(subjects: readonly string[]): Promise<number | undefined> {
    if (!this.rate) return undefined;
    const counters = await readCounters(this.ctx.store.db, this.ctx.store.caps.name, subjects.map((s) => this.key(s)), this.ctx.clock.now());
    let longest: number | undefined;
    for (const counter of counters.values()) {
      const wait = this.lockedBy(counter);
      if (wait !== undefined) longest = Math.max(longest ?? 0, wait);
    }
    return longest;
  }

  /** Throws `rate_limited` (with Retry-After) when any subject is locked out. */
  async check(subjects: readonly string[], what: string): Promise<void> {
    const waitMs = await this.lockedFor(subjects);
    if (waitMs !== undefined) throw new RateLimitedError(`too many failed ${what}; try again in ${Math.ceil(waitMs / 1000)} s`, waitMs / 1000);
  }

  async fail(subjects: readonly string[]): Promise<void> {
    const rate = this.rate;
    if (!rate) return;
    const now = this.ctx.clock.now();
    for (const subject of subjects) {
      const counter = await hitCounter(this.ctx.store.db, this.key(subject), 1, rate.windowMs, now);
      if (counter.hits === rate.max) await extendCounter(this.ctx.store.db, this.key(subject), now + rate.windowMs);
    }
  }

  /** Forgets a subject's failures (a success, or an operator lifting a lockout); true if any were counted. */
  forgive(subject: string): Promise<boolean> {
    return deleteCounter(this.ctx.store.db, this.key(subject));
  }

  /** Subjects under `prefix` that are locked out now. */
  async locked(prefix: string): Promise<LockedSubject[]> {
    if (!this.rate) return [];
    const rows = await countersAtLeast(this.ctx.store.db, this.key(prefix), this.rate.max, this.ctx.clock.now());
    return rows.map((r) => ({ subject: r.key.slice(this.namespace.length + 1), failures: r.hits, lockedUntil: r.resetAt }));
  }
}
