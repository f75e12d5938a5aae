import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';

/** The first schema. Append-only: later changes go into new migration files. */
export async function up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void> {
  const big = caps.bigint;

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('vpn_servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('crn', 'text', (c) => c.notNull())
    .addColumn('certificate_crn', 'text', (c) => c.notNull())
    .addColumn('client_authentication', 'text', (c) => c.notNull())
    .addColumn('client_auto_delete_timeout_s', 'integer', (c) => c.notNull())
    .addColumn('client_dns_server_ips', 'text', (c) => c.notNull())
    .addColumn('client_idle_timeout', 'integer', (c) => c.notNull())
    .addColumn('client_ip_pool', 'text', (c) => c.notNull())
    .addColumn('enable_split_tunneling', 'integer', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('lifecycle_state', 'text', (c) => c.notNull())
    .addColumn('lifecycle_reasons', 'text', (c) => c.notNull())
    .addColumn('health_state', 'text', (c) => c.notNull())
    .addColumn('health_reasons', 'text', (c) => c.notNull())
    .addColumn('subnets', 'text', (c) => c.notNull())
    .addColumn('security_groups', 'text', (c) => c.notNull())
    .addColumn('vpc', 'text')
    .addColumn('resource_group', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('updated_at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vpn_servers_created').on('vpn_servers').columns(['created_at', 'id']).execute();

  await db.schema
    .createTable('vpn_server_routes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vpn_server_id', 'text', (c) => c.notNull().references('vpn_servers.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('lifecycle_state', 'text', (c) => c.notNull())
    .addColumn('health_state', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addUniqueConstraint('vpn_server_routes_name', ['vpn_server_id', 'name'])
    .addUniqueConstraint('vpn_server_routes_destination', ['vpn_server_id', 'destination'])
    .execute();

  await db.schema
    .createTable('vpn_server_clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('vpn_server_id', 'text', (c) => c.notNull().references('vpn_servers.id').onDelete('cascade'))
    .addColumn('session_key', 'text', (c) => c.notNull())
    .addColumn('client_ip', 'text', (c) => c.notNull())
    .addColumn('remote_ip', 'text', (c) => c.notNull())
    .addColumn('remote_port', 'integer', (c) => c.notNull())
    .addColumn('common_name', 'text')
    .addColumn('username', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .addColumn('disconnected_at', big)
    .addColumn('delete_after', big)
    .addColumn('bytes_sent', big, (c) => c.notNull())
    .addColumn('bytes_received', big, (c) => c.notNull())
    .addColumn('intent', 'text')
    .addColumn('intent_at', big)
    .addColumn('intent_by', 'text')
    .addUniqueConstraint('vpn_server_clients_session', ['vpn_server_id', 'session_key'])
    .execute();
  // The clients list pages by (created_at, id) within one server; the retention sweep scans
  // delete_after; intents are looked up by the agent on (re)attach.
  await db.schema.createIndex('vpn_server_clients_list').on('vpn_server_clients').columns(['vpn_server_id', 'created_at', 'id']).execute();
  await db.schema.createIndex('vpn_server_clients_expiry').on('vpn_server_clients').column('delete_after').execute();
  await db.schema.createIndex('vpn_server_clients_intent').on('vpn_server_clients').columns(['intent', 'vpn_server_id']).execute();
  await db.schema.createIndex('vpn_server_clients_user').on('vpn_server_clients').columns(['vpn_server_id', 'username']).execute();
  await db.schema.createIndex('vpn_server_clients_cn').on('vpn_server_clients').columns(['vpn_server_id', 'common_name']).execute();

  let events = db.schema.createTable('client_events');
  events = caps.autoIncrementKeyword
    ? events.addColumn('seq', caps.serial, (c) => c.primaryKey().autoIncrement())
    : events.addColumn('seq', caps.serial, (c) => c.primaryKey());
  await events
    .addColumn('vpn_server_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('at', big, (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('client_events_server').on('client_events').columns(['vpn_server_id', 'seq']).execute();
  await db.schema.createIndex('client_events_at').on('client_events').column('at').execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('disabled', 'integer', (c) => c.notNull())
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('role_bindings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('vpn_server_id', 'text')
    .execute();
  await db.schema.createIndex('role_bindings_user').on('role_bindings').column('user_id').execute();

  await db.schema
    .createTable('passcodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('passcode_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', big, (c) => c.notNull())
    .addColumn('used_at', big)
    .execute();
  await db.schema.createIndex('passcodes_expiry').on('passcodes').column('expires_at').execute();

  await db.schema
    .createTable('certificates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('crn', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('issuer_id', 'text')
    .addColumn('serial', 'text', (c) => c.notNull())
    .addColumn('subject_cn', 'text', (c) => c.notNull())
    .addColumn('not_before', big, (c) => c.notNull())
    .addColumn('not_after', big, (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('intermediate_pem', 'text')
    .addColumn('private_key_sealed', 'text')
    .addColumn('revoked_at', big)
    .addColumn('revocation_reason', 'text')
    .addColumn('created_at', big, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('certificates_issuer').on('certificates').columns(['issuer_id', 'revoked_at']).execute();
}
