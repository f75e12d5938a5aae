import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/**
 * Gateway hosts that run VPN servers and dial the control plane. An Administrator registers one
 * and gets a one-time join token; the gateway exchanges it for a long-lived credential. Only
 * SHA-256 hashes of the token and of the credential's secret are kept. `subnet_id` is the name a
 * VPN server's `subnets: [{id}]` uses for the gateway (its own id unless one was given).
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  const big = caps.bigint;
  await db.schema
    .createTable('gateways')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port_min', 'integer')
    .addColumn('port_max', 'integer')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('subnet_id', 'text', (c) => c.notNull().unique())
    .addColumn('join_token_hash', 'text')
    .addColumn('join_expires_at', big)
    .addColumn('credential_hash', 'text')
    .addColumn('credential_prefix', 'text')
    .addColumn('last_seen_at', big)
    .addColumn('version', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('gateways_join_token').on('gateways').column('join_token_hash').unique().execute();
}
