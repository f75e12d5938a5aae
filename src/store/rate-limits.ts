import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { DialectName } from './dialect.ts';
import { inJsonText } from './json-array.ts';
import { QueryShapes } from './query-shapes.ts';

/** The lockout read of every VPN decision batch, compiled once per store (see QueryShapes). */
const counterShapes = new QueryShapes();

/** A fixed-window counter: `hits` so far in the window that ends at `resetAt` (epoch ms). */
export interface Counter {
  hits: number;
  resetAt: number;
}

/**
 * Adds `by` hits to the key's counter in one statement and returns the result; a counter whose
 * window has ended starts a new one of `windowMs`. Every replica on one database shares it.
 */
export async function hitCounter(db: Executor, key: string, by: number, windowMs: number, now: number): Promise<Counter> {
  const expired = sql<boolean>`rate_limits.reset_at <= ${now}`;
  const row = await db
    .insertInto('rate_limits')
    .values({ key, hits: by, reset_at: now + windowMs })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        hits: sql`case when ${expired} then excluded.hits else rate_limits.hits + excluded.hits end`,
        reset_at: sql`case when ${expired} then excluded.reset_at else rate_limits.reset_at end`,
      }),
    )
    .returning(['hits', 'reset_at'])
    .executeTakeFirstOrThrow();
  return { hits: Number(row.hits), resetAt: Number(row.reset_at) };
}

/** The key's counter if its window is still open. */
export async function readCounter(db: Executor, key: string, now: number): Promise<Counter | undefined> {
  const row = await db.selectFrom('rate_limits').select(['hits', 'reset_at']).where('key', '=', key).where('reset_at', '>', now).executeTakeFirst();
  return row && { hits: Number(row.hits), resetAt: Number(row.reset_at) };
}

/** The open counters among `keys`, in one read with one text whatever their number. */
export async function readCounters(db: Executor, dialect: DialectName, keys: readonly string[], now: number): Promise<Map<string, Counter>> {
  if (keys.length === 0) return new Map();
  const query = counterShapes.compile(db, 'open-counters', [JSON.stringify(keys), now], (mark) =>
    db.selectFrom('rate_limits').select(['key', 'hits', 'reset_at']).where(inJsonText(dialect, 'key', mark<string>(0))).where('reset_at', '>', mark<number>(1)),
  );
  const { rows } = await db.executeQuery(query);
  return new Map(rows.map((r) => [r.key, { hits: Number(r.hits), resetAt: Number(r.reset_at) }]));
}

/** Moves the end of a counter's window (a lockout lasts its full length from the failure that set it). */
export async function extendCounter(db: Executor, key: string, resetAt: number): Promise<void> {
  await db.updateTable('rate_limits').set({ reset_at: resetAt }).where('key', '=', key).execute();
}

/** Open counters under a key prefix with at least `minHits`, soonest end first. */
export async function countersAtLeast(db: Executor, prefix: string, minHits: number, now: number): Promise<({ key: string } & Counter)[]> {
  const rows = await db
    .selectFrom('rate_limits')
    .select(['key', 'hits', 'reset_at'])
    .where('key', 'like', `${prefix}%`)
    .where('hits', '>=', minHits)
    .where('reset_at', '>', now)
    .orderBy('reset_at')
    .limit(1000)
    .execute();
  return rows.map((r) => ({ key: r.key, hits: Number(r.hits), resetAt: Number(r.reset_at) }));
}

/** true when a counter was removed. */
export async function deleteCounter(db: Executor, key: string): Promise<boolean> {
  const result = await db.deleteFrom('rate_limits').where('key', '=', key).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function deleteEndedCounters(db: Executor, now: number): Promise<void> {
  await db.deleteFrom('rate_limits').where('reset_at', '<=', now).execute();
}
