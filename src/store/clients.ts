import { sql } from 'kysely';
import type { Executor } from './database.ts';
import type { VpnServerClientRow } from './schema.ts';
import type { ClientIntent, ClientStatus, IntentCause, VpnClient } from '../domain/clients/model.ts';
import { afterCursor, decodeCursor, encodeCursor, type Page, type SortSpec } from './pagination.ts';
import { QueryShapes } from './query-shapes.ts';

export function fromRow(row: VpnServerClientRow): VpnClient {
  return {
    id: row.id,
    vpnServerId: row.vpn_server_id,
    sessionKey: row.session_key,
    clientIp: row.client_ip,
    remoteIp: row.remote_ip,
    remotePort: row.remote_port,
    commonName: row.common_name,
    username: row.username,
    status: row.status as ClientStatus,
    createdAt: row.created_at,
    disconnectedAt: row.disconnected_at,
    deleteAfter: row.delete_after,
    bytesSent: row.bytes_sent,
    bytesReceived: row.bytes_received,
    intent: row.intent as ClientIntent | null,
    intentAt: row.intent_at,
    intentBy: row.intent_by,
    certSerial: row.cert_serial,
    intentCause: row.intent_cause as IntentCause | null,
  };
}

export function toRow(client: VpnClient): VpnServerClientRow {
  return {
    id: client.id,
    vpn_server_id: client.vpnServerId,
    session_key: client.sessionKey,
    client_ip: client.clientIp,
    remote_ip: client.remoteIp,
    remote_port: client.remotePort,
    common_name: client.commonName,
    username: client.username,
    status: client.status,
    created_at: client.createdAt,
    disconnected_at: client.disconnectedAt,
    delete_after: client.deleteAfter,
    bytes_sent: client.bytesSent,
    bytes_received: client.bytesReceived,
    intent: client.intent,
    intent_at: client.intentAt,
    intent_by: client.intentBy,
    cert_serial: client.certSerial,
    intent_cause: client.intentCause ?? null,
  };
}

export interface ClientFilter {
  status?: ClientStatus;
  username?: string;
  commonName?: string;
  /** Serial of the session's certificate; null matches sessions whose serial is unknown. */
  certSerial?: string | null;
}

/** Visible clients: a record whose delete was requested is already gone as far as the API goes. */
function visible(db: Executor, serverId: string, filter: ClientFilter) {
  let query = db
    .selectFrom('vpn_server_clients')
    .where('vpn_server_id', '=', serverId)
    .where((eb) => eb.or([eb('intent', 'is', null), eb('intent', '!=', 'delete')]));
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.username !== undefined) query = query.where('username', '=', filter.username);
  if (filter.commonName !== undefined) query = query.where('common_name', '=', filter.commonName);
  return query;
}

/** The page query is built and compiled once per shape (see query-shapes.ts). */
const pageShapes = new QueryShapes();

/**
 * One page of a server's visible clients. `countVisible` gives `total_count`: the count is the
 * costly part on a large server, so callers may reuse it (see domain/clients/counts.ts).
 */
export async function listClients(
  db: Executor,
  serverId: string,
  filter: ClientFilter,
  sort: SortSpec<'created_at'>,
  limit: number,
  start: string | undefined,
  countVisible: () => Promise<number> = () => countClients(db, serverId, filter),
): Promise<Page<VpnClient>> {
  const cursor = start === undefined ? undefined : decodeCursor(start);
  const values = [serverId, filter.status, filter.username, filter.commonName, cursor?.value, cursor?.id, limit + 1];
  // Everything that changes the text: which filters are set, the sort, whether a cursor is given.
  const key = `${sort.column} ${sort.direction} ${filter.status ? 's' : ''}${filter.username !== undefined ? 'u' : ''}${filter.commonName !== undefined ? 'c' : ''}${cursor ? '>' : ''}`;
  const page = pageShapes.compile(db, key, values, (mark) => {
    const marked: ClientFilter = { ...(filter.status && { status: mark(1) }), ...(filter.username !== undefined && { username: mark(2) }), ...(filter.commonName !== undefined && { commonName: mark(3) }) };
    let query = visible(db, mark(0), marked).selectAll();
    if (cursor) query = query.where(afterCursor(sort.column, sort.direction, { value: mark(4), id: mark(5) }));
    return query.orderBy(sort.column, sort.direction).orderBy('id', sort.direction).limit(mark<number>(6));
  });
  const [result, totalCount] = await Promise.all([db.executeQuery(page), countVisible()]);
  const rows = result.rows;
  const items = rows.slice(0, limit).map(fromRow);
  const last = items.at(-1);
  return {
    items,
    totalCount,
    next: rows.length > limit && last ? encodeCursor({ value: last.createdAt, id: last.id }) : undefined,
  };
}

export async function countClients(db: Executor, serverId: string, filter: ClientFilter): Promise<number> {
  const count = await visible(db, serverId, filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(count.n);
}

export async function findClient(db: Executor, serverId: string, id: string): Promise<VpnClient | undefined> {
  const row = await db
    .selectFrom('vpn_server_clients')
    .selectAll()
    .where('vpn_server_id', '=', serverId)
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function findClientBySession(db: Executor, serverId: string, sessionKey: string): Promise<VpnClient | undefined> {
  const row = await db
    .selectFrom('vpn_server_clients')
    .selectAll()
    .where('vpn_server_id', '=', serverId)
    .where('session_key', '=', sessionKey)
    .executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function insertClient(db: Executor, client: VpnClient): Promise<void> {
  await db.insertInto('vpn_server_clients').values(toRow(client)).execute();
}

export async function saveClient(db: Executor, client: VpnClient): Promise<void> {
  const { id: _id, vpn_server_id: _server, ...changes } = toRow(client);
  await db.updateTable('vpn_server_clients').set(changes).where('id', '=', client.id).execute();
}

export async function deleteClientRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('vpn_server_clients').where('id', '=', id).execute();
}

export async function connectedClients(db: Executor, serverId: string, filter: ClientFilter = {}): Promise<VpnClient[]> {
  let query = db.selectFrom('vpn_server_clients').selectAll().where('vpn_server_id', '=', serverId).where('status', '=', 'connected');
  if (filter.username !== undefined) query = query.where('username', '=', filter.username);
  if (filter.commonName !== undefined) query = query.where('common_name', '=', filter.commonName);
  if (filter.certSerial !== undefined) query = filter.certSerial === null ? query.where('cert_serial', 'is', null) : query.where('cert_serial', '=', filter.certSerial);
  return (await query.execute()).map(fromRow);
}

export async function clientsWithIntent(db: Executor, serverId: string): Promise<VpnClient[]> {
  const rows = await db
    .selectFrom('vpn_server_clients')
    .selectAll()
    .where('intent', 'is not', null)
    .where('vpn_server_id', '=', serverId)
    // A literal, not a parameter: SQLite uses a partial index only when it can see the condition.
    .where('status', '=', sql.lit('connected'))
    .execute();
  return rows.map(fromRow);
}

export async function countConnected(db: Executor, serverIds: readonly string[]): Promise<Map<string, number>> {
  if (serverIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('vpn_server_clients')
    .select(['vpn_server_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('vpn_server_id', 'in', serverIds)
    .where('status', '=', 'connected')
    .groupBy('vpn_server_id')
    .execute();
  return new Map(rows.map((r) => [r.vpn_server_id, Number(r.n)]));
}

/**
 * Deletes up to `batch` expired records and returns how many went. Batches keep each write
 * transaction short so the sweep never stalls ingest, even with 100 000 rows due at once.
 */
export async function deleteExpiredBatch(db: Executor, now: number, batch: number): Promise<{ id: string; vpnServerId: string }[]> {
  const due = await db
    .selectFrom('vpn_server_clients')
    .select(['id', 'vpn_server_id'])
    .where('delete_after', '<=', now)
    .limit(batch)
    .execute();
  if (due.length === 0) return [];
  await db
    .deleteFrom('vpn_server_clients')
    .where(
      'id',
      'in',
      due.map((d) => d.id),
    )
    .execute();
  return due.map((d) => ({ id: d.id, vpnServerId: d.vpn_server_id }));
}

export async function disconnectAllOfServer(db: Executor, serverId: string, now: number, deleteAfterSeconds: number): Promise<number> {
  const result = await db
    .updateTable('vpn_server_clients')
    .set({ status: 'disconnected', disconnected_at: now, delete_after: now + deleteAfterSeconds * 1000, intent: null })
    .where('vpn_server_id', '=', serverId)
    .where('status', '=', 'connected')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Live byte counts of a connected session; an ended one keeps the counts its end reported. */
export async function saveLiveTraffic(db: Executor, serverId: string, sessionKey: string, bytesSent: number, bytesReceived: number): Promise<boolean> {
  const result = await db
    .updateTable('vpn_server_clients')
    .set({ bytes_sent: bytesSent, bytes_received: bytesReceived })
    .where('vpn_server_id', '=', serverId)
    .where('session_key', '=', sessionKey)
    .where('status', '=', 'connected')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
