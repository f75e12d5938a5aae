import { sql } from 'kysely';
import type { Executor } from './database.ts';

/** How many disconnect/delete intents wait for their session to end, and since when the oldest. */
export async function pendingIntentSummary(db: Executor): Promise<{ count: number; oldestAt: number | null }> {
  const row = await db
    .selectFrom('vpn_server_clients')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('intent_at').as('oldest')])
    .where('intent', 'is not', null)
    // A literal, as in clientsWithIntent: SQLite uses the partial index only when it sees it.
    .where('status', '=', sql.lit('connected'))
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), oldestAt: row.oldest === null ? null : Number(row.oldest) };
}
