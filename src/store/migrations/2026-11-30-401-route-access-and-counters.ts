import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/**
 * Routes may be limited to some users and common names (`access`, JSON text; null = everyone),
 * and carry the gateway's data-plane counters: packets and bytes the route matched, packets it
 * refused to sessions not allowed to use it, and when the gateway last reported them (null =
 * never, e.g. with the data plane off).
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  const big = caps.bigint;
  await db.schema.alterTable('vpn_server_routes').addColumn('access', 'text').execute();
  await db.schema.alterTable('vpn_server_routes').addColumn('packets', big, (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('vpn_server_routes').addColumn('bytes', big, (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('vpn_server_routes').addColumn('denied_packets', big, (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('vpn_server_routes').addColumn('counted_at', big).execute();
}
