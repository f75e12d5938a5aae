import { sql, type Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/**
 * PostgreSQL plans a client list from its statistics of the table. Sessions arrive in storms: a
 * server can go from a few records to thousands between two automatic ANALYZE runs (by default
 * after 10 % of the table changed), and with statistics that still say "a few rows" the planner
 * reads every record of the server and sorts them (10 ms at 10 000 records) instead of walking
 * the list index for 51 rows (0.04 ms). Re-analysing this table after 1 % (at least 500 rows) of
 * changes keeps the statistics close. SQLite plans without statistics and needs nothing.
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  if (caps.name !== 'postgres') return;
  await sql`alter table vpn_server_clients set (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 500)`.execute(db);
}
