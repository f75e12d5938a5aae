import { findUsersAccess, type UserAccess } from '../../store/identity.ts';
import { readCounters, type Counter } from '../../store/rate-limits.ts';
import type { DomainContext } from '../context.ts';
import { GroupCommit } from '../shared/group-commit.ts';

/** What one username decision reads: its user, and the lockout counters of its user and address. */
export interface DecisionAsk {
  username: string;
  counterKeys: readonly string[];
}

export interface DecisionFacts {
  access: UserAccess | undefined;
  /** The open counters among the ask's keys. */
  counters: Map<string, Counter>;
}

/**
 * A connect storm asks for the same few facts hundreds of times at once: the reads of one
 * event-loop turn go to the store together — one statement for the users, one for the counters,
 * side by side — and the next batch gathers whatever arrives meanwhile. Nothing is kept, so each
 * decision sees every change (a disabled user, a lifted lockout) committed before it asked.
 */
const READS = { maxBatch: 256, maxDelayMs: 0 };

export class DecisionReads {
  private readonly group: GroupCommit<DecisionAsk, DecisionFacts>;

  constructor(private readonly ctx: DomainContext) {
    this.group = new GroupCommit((asks) => this.readTogether(asks), READS);
  }

  read(ask: DecisionAsk): Promise<DecisionFacts> {
    return this.group.submit(ask);
  }

  /** Batches read so far (for tests and benchmarks). */
  get batches(): number {
    return this.group.batches;
  }

  private async readTogether(asks: readonly DecisionAsk[]): Promise<DecisionFacts[]> {
    const { db, caps } = this.ctx.store;
    const names = new Set(asks.map((a) => a.username));
    const keys = new Set(asks.flatMap((a) => a.counterKeys));
    const [users, counters] = await Promise.all([findUsersAccess(db, caps.name, [...names]), readCounters(db, caps.name, [...keys], this.ctx.clock.now())]);
    return asks.map((ask) => ({ access: users.get(ask.username), counters: pick(counters, ask.counterKeys) }));
  }
}

function pick(counters: ReadonlyMap<string, Counter>, keys: readonly string[]): Map<string, Counter> {
  const picked = new Map<string, Counter>();
  for (const key of keys) {
    const counter = counters.get(key);
    if (counter) picked.set(key, counter);
  }
  return picked;
}
