import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/**
 * What each gateway last reported about each VPN server it runs. A server on two gateways (high
 * availability) is healthy only as the two together are, and the two may report to different
 * control-plane replicas: the combined state is computed from these rows, not from whichever
 * report came last. `instance` names the gateway process run that reported: after a restart its
 * old reports say nothing about the new process.
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  await db.schema
    .createTable('vpn_server_gateway_states')
    .addColumn('vpn_server_id', 'text', (c) => c.notNull())
    .addColumn('gateway_id', 'text', (c) => c.notNull())
    .addColumn('lifecycle', 'text', (c) => c.notNull())
    .addColumn('health', 'text', (c) => c.notNull())
    .addColumn('reasons', 'text', (c) => c.notNull())
    .addColumn('reachable', 'integer', (c) => c.notNull())
    .addColumn('instance', 'text', (c) => c.notNull())
    .addColumn('reported_at', caps.bigint, (c) => c.notNull())
    .addPrimaryKeyConstraint('vpn_server_gateway_states_pk', ['vpn_server_id', 'gateway_id'])
    .execute();
  await db.schema.createIndex('vpn_server_gateway_states_gateway').on('vpn_server_gateway_states').columns(['gateway_id']).execute();
}
