import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { DialectName } from './dialect.ts';
import type { VpnServerClientRow } from './schema.ts';
import type { NewClientEvent } from './client-events.ts';
import { inJsonArray, sqliteJsonRows } from './json-array.ts';

/**
 * The bulk statements of group commit (domain/clients/ingest.ts) and of bulk disconnects
 * (domain/clients/lifecycle.ts): one statement per table and batch whatever its size, each with a
 * fixed text (the rows travel as one JSON parameter), so SQLite prepares each once and PostgreSQL
 * parses one statement per batch instead of one per row. The two dialects differ only in how a
 * JSON array becomes rows.
 */

/** Columns a session's end changes; the rest of the record stays as it is. */
export interface EndedRow {
  id: string;
  status: string;
  disconnected_at: number | null;
  delete_after: number | null;
  bytes_sent: number;
  bytes_received: number;
  intent: string | null;
}

/** Records of these session keys, locked against concurrent writers until the batch commits (PostgreSQL). */
export async function clientsOfSessions(db: Executor, dialect: DialectName, serverId: string, sessionKeys: readonly string[]): Promise<VpnServerClientRow[]> {
  if (sessionKeys.length === 0) return [];
  const lock = dialect === 'postgres' ? sql` for update` : sql``;
  const query = sql<VpnServerClientRow>`select * from vpn_server_clients where vpn_server_id = ${serverId} and ${inJsonArray(dialect, 'session_key', sessionKeys)}${lock}`;
  return (await query.execute(db)).rows;
}

/** Records of these ids on any server (one statement for a batch of single-client requests). */
export async function clientsByIds(db: Executor, dialect: DialectName, ids: readonly string[]): Promise<VpnServerClientRow[]> {
  if (ids.length === 0) return [];
  return (await sql<VpnServerClientRow>`select * from vpn_server_clients where ${inJsonArray(dialect, 'id', ids)}`.execute(db)).rows;
}

const CLIENT_COLUMNS = [
  'id',
  'vpn_server_id',
  'session_key',
  'client_ip',
  'remote_ip',
  'remote_port',
  'common_name',
  'username',
  'status',
  'created_at',
  'disconnected_at',
  'delete_after',
  'bytes_sent',
  'bytes_received',
  'intent',
  'intent_at',
  'intent_by',
  'cert_serial',
  'intent_cause',
] as const satisfies readonly (keyof VpnServerClientRow)[];

const columnList = sql.raw(CLIENT_COLUMNS.join(', '));
const sqliteClientValues = sql.raw(CLIENT_COLUMNS.map((c) => `value ->> '${c}'`).join(', '));

export async function insertClientRows(db: Executor, dialect: DialectName, rows: readonly VpnServerClientRow[]): Promise<void> {
  if (rows.length === 0) return;
  const data = JSON.stringify(rows);
  const query =
    dialect === 'postgres'
      ? sql`insert into vpn_server_clients (${columnList}) select ${columnList} from json_populate_recordset(null::vpn_server_clients, ${data}::json)`
      : sql`insert into vpn_server_clients (${columnList}) select ${sqliteClientValues} from ${sqliteJsonRows(data)}`;
  await query.execute(db);
}

export async function endClientRows(db: Executor, dialect: DialectName, rows: readonly EndedRow[]): Promise<void> {
  if (rows.length === 0) return;
  const data = JSON.stringify(rows);
  const query =
    dialect === 'postgres'
      ? sql`update vpn_server_clients c set status = u.status, disconnected_at = u.disconnected_at, delete_after = u.delete_after,
          bytes_sent = u.bytes_sent, bytes_received = u.bytes_received, intent = u.intent
          from json_populate_recordset(null::vpn_server_clients, ${data}::json) u where c.id = u.id`
      : sql`update vpn_server_clients set status = u.value ->> 'status', disconnected_at = u.value ->> 'disconnected_at',
          delete_after = u.value ->> 'delete_after', bytes_sent = u.value ->> 'bytes_sent', bytes_received = u.value ->> 'bytes_received',
          intent = u.value ->> 'intent'
          from ${sqliteJsonRows(data)} u where vpn_server_clients.id = u.value ->> 'id'`;
  await query.execute(db);
}

export async function deleteClientRows(db: Executor, dialect: DialectName, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`delete from vpn_server_clients where ${inJsonArray(dialect, 'id', ids)}`.execute(db);
}

/** The intent columns a disconnect request sets, the same for every record it names. */
export interface IntentColumns {
  intent: string;
  intent_at: number;
  intent_by: string | null;
  intent_cause: string | null;
}

/** Sets these records' intent in one statement; the rest of each record stays as it is. */
export async function setClientIntents(db: Executor, dialect: DialectName, ids: readonly string[], intent: IntentColumns): Promise<void> {
  if (ids.length === 0) return;
  await sql`update vpn_server_clients set intent = ${intent.intent}, intent_at = ${intent.intent_at}, intent_by = ${intent.intent_by},
      intent_cause = ${intent.intent_cause} where ${inJsonArray(dialect, 'id', ids)}`.execute(db);
}

/** Appends events in the order given: their sequence numbers follow it. */
export async function insertClientEvents(db: Executor, dialect: DialectName, events: readonly NewClientEvent[]): Promise<void> {
  if (events.length === 0) return;
  const data = JSON.stringify(events.map((e) => ({ vpn_server_id: e.vpnServerId, client_id: e.clientId, type: e.type, at: e.at, actor: e.actor, data: JSON.stringify(e.data) })));
  const query =
    dialect === 'postgres'
      ? sql`insert into client_events (vpn_server_id, client_id, type, at, actor, data)
          select e.vpn_server_id, e.client_id, e.type, e.at, e.actor, e.data
          from json_populate_recordset(null::client_events, ${data}::json) with ordinality as e order by e.ordinality`
      : sql`insert into client_events (vpn_server_id, client_id, type, at, actor, data)
          select value ->> 'vpn_server_id', value ->> 'client_id', value ->> 'type', value ->> 'at', value ->> 'actor', value ->> 'data'
          from ${sqliteJsonRows(data)} order by key`;
  await query.execute(db);
}
