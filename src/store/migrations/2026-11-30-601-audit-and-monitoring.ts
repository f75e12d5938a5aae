import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/**
 * The audit trail of operator actions, the per-minute monitoring samples behind the console's
 * Monitoring tab, and why a client's disconnect was asked for (an operator, or a revocation).
 */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  const big = caps.bigint;

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('path', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('vpn_server_id', 'text')
    .addColumn('actor_user_id', 'text')
    .addColumn('actor_user_name', 'text')
    .addColumn('actor_api_key_id', 'text')
    .addColumn('actor_address', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .execute();
  // Newest first by (at, id); each filter narrows by its own column then time.
  await db.schema.createIndex('audit_events_at').on('audit_events').columns(['at', 'id']).execute();
  await db.schema.createIndex('audit_events_target').on('audit_events').columns(['target_id', 'at']).execute();
  await db.schema.createIndex('audit_events_server').on('audit_events').columns(['vpn_server_id', 'at']).execute();
  await db.schema.createIndex('audit_events_actor_id').on('audit_events').columns(['actor_user_id', 'at']).execute();
  await db.schema.createIndex('audit_events_actor_name').on('audit_events').columns(['actor_user_name', 'at']).execute();
  await db.schema.createIndex('audit_events_operation').on('audit_events').columns(['operation', 'at']).execute();

  await db.schema
    .createTable('monitoring_samples')
    .addColumn('vpn_server_id', 'text', (c) => c.notNull())
    .addColumn('step_ms', 'integer', (c) => c.notNull())
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('gateway', 'text', (c) => c.notNull())
    .addColumn('connected', 'integer', (c) => c.notNull())
    .addColumn('connects', big, (c) => c.notNull())
    .addColumn('disconnects', big, (c) => c.notNull())
    .addColumn('auth_failures', big, (c) => c.notNull())
    .addColumn('bytes_received', big, (c) => c.notNull())
    .addColumn('bytes_sent', big, (c) => c.notNull())
    .addPrimaryKeyConstraint('monitoring_samples_pk', ['vpn_server_id', 'step_ms', 'at', 'gateway'])
    .execute();
  await db.schema.createIndex('monitoring_samples_expiry').on('monitoring_samples').columns(['step_ms', 'at']).execute();

  await db.schema.alterTable('vpn_server_clients').addColumn('intent_cause', 'text').execute();
}
