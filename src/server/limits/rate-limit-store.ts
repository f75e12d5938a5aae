import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Clock } from '../../domain/shared/clock.ts';
import type { Executor } from '../../store/database.ts';
import { hitCounter, readCounter, type Counter } from '../../store/rate-limits.ts';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

const LOCAL_LIMIT = 100_000;

/**
 * Counts kept here and merged into the store every `syncMs`: the per-token budget counts every
 * API request, and one upsert per request would cost more than many requests do. A replica
 * counts its own hits at once and learns the others' at the next merge, so the shared count is
 * at most one merge period behind.
 */
export class MergedCounters {
  private readonly local = new Map<string, { hits: number; pending: number; resetAt: number; windowMs: number }>();
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
  ) {}

  hit(key: string, windowMs: number): Counter {
    const now = this.clock.now();
    let entry = this.local.get(key);
    if (!entry || entry.resetAt <= now) {
      if (this.local.size >= LOCAL_LIMIT) this.evict(now);
      entry = { hits: 0, pending: 0, resetAt: now + windowMs, windowMs };
      this.local.set(key, entry);
    }
    entry.hits += 1;
    entry.pending += 1;
    return { hits: entry.hits, resetAt: entry.resetAt };
  }

  /** Merges pending hits into the store and takes back the shared totals. */
  flush(): Promise<void> {
    this.flushing ??= this.merge().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async merge(): Promise<void> {
    const now = this.clock.now();
    for (const [key, entry] of this.local) {
      if (entry.pending === 0) {
        if (entry.resetAt <= now) this.local.delete(key);
        continue;
      }
      const sent = entry.pending;
      entry.pending = 0;
      const shared = await hitCounter(this.db, key, sent, entry.windowMs, now);
      // Hits that arrived during the round trip are still pending and stay on top.
      entry.hits = shared.hits + entry.pending;
      entry.resetAt = shared.resetAt;
    }
  }

  private evict(now: number): void {
    for (const [key, entry] of this.local) if (entry.resetAt <= now || entry.pending === 0) this.local.delete(key);
    if (this.local.size >= LOCAL_LIMIT) this.local.clear();
  }
}

/**
 * @fastify/rate-limit's store interface over Sluice's store (SQLite or PostgreSQL), so replicas
 * on one database share their counts. Route-level limits (token grants, passcodes) are counted
 * exactly, one upsert per hit; the global per-token budget goes through MergedCounters.
 */
export function rateLimitStoreClass(db: Executor, clock: Clock, merged: MergedCounters): FastifyRateLimitStoreCtor {
  const answer = (cb: Callback, counter: Counter | undefined): void => {
    const now = clock.now();
    cb(null, counter ? { current: counter.hits, ttl: Math.max(0, counter.resetAt - now) } : { current: 0, ttl: 0 });
  };
  const fail = (cb: Callback) => (error: unknown) => cb(error instanceof Error ? error : new Error(String(error)));

  class SluiceRateLimitStore implements FastifyRateLimitStore {
    constructor(private readonly exact = false) {}

    incr(key: string, cb: Callback, timeWindow: number): void {
      if (!this.exact) {
        answer(cb, merged.hit(key, timeWindow));
        return;
      }
      hitCounter(db, key, 1, timeWindow, clock.now()).then((c) => answer(cb, c), fail(cb));
    }

    read(key: string, cb: Callback): void {
      readCounter(db, key, clock.now()).then((c) => answer(cb, c), fail(cb));
    }

    child(): FastifyRateLimitStore {
      return new SluiceRateLimitStore(true);
    }
  }
  return SluiceRateLimitStore as unknown as FastifyRateLimitStoreCtor;
}
