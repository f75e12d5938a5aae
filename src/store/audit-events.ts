import type { Executor } from './database.ts';
import type { AuditEventRow } from './schema.ts';
import type { AuditEvent, AuditFilter, AuditOutcome } from '../domain/audit/model.ts';
import { afterCursor, decodeCursor, encodeCursor, type Page, type SortSpec } from './pagination.ts';

function toRow(e: AuditEvent): AuditEventRow {
  return {
    id: e.id,
    at: e.at,
    request_id: e.requestId,
    operation: e.operation,
    method: e.method,
    path: e.path,
    target_type: e.target.type,
    target_id: e.target.id,
    vpn_server_id: e.target.vpnServerId,
    actor_user_id: e.actor.userId,
    actor_user_name: e.actor.userName,
    actor_api_key_id: e.actor.apiKeyId,
    actor_address: e.actor.address,
    outcome: e.outcome,
    status_code: e.statusCode,
    error_code: e.errorCode,
  };
}

function fromRow(r: AuditEventRow): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    requestId: r.request_id,
    operation: r.operation,
    method: r.method,
    path: r.path,
    target: { type: r.target_type, id: r.target_id, vpnServerId: r.vpn_server_id },
    actor: { userId: r.actor_user_id, userName: r.actor_user_name, apiKeyId: r.actor_api_key_id, address: r.actor_address },
    outcome: r.outcome as AuditOutcome,
    statusCode: r.status_code,
    errorCode: r.error_code,
  };
}

export async function insertAuditEvents(db: Executor, events: readonly AuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insertInto('audit_events').values(events.map(toRow)).execute();
}

export async function findAuditEvent(db: Executor, id: string): Promise<AuditEvent | undefined> {
  const row = await db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

function filtered(db: Executor, filter: AuditFilter) {
  let query = db.selectFrom('audit_events');
  if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('at', '<', filter.until);
  if (filter.operation !== undefined) query = query.where('operation', '=', filter.operation);
  if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome);
  const { actor, target } = filter;
  if (actor !== undefined) query = query.where((eb) => eb.or([eb('actor_user_id', '=', actor), eb('actor_user_name', '=', actor)]));
  if (target !== undefined) query = query.where((eb) => eb.or([eb('target_id', '=', target), eb('vpn_server_id', '=', target)]));
  return query;
}

/** One page, newest first by default, keyset-paged on (at, id). */
export async function listAuditEvents(db: Executor, filter: AuditFilter, sort: SortSpec<'at'>, limit: number, start: string | undefined): Promise<Page<AuditEvent>> {
  let query = filtered(db, filter).selectAll();
  if (start !== undefined) query = query.where(afterCursor('at', sort.direction, decodeCursor(start)));
  const [rows, count] = await Promise.all([
    query.orderBy('at', sort.direction).orderBy('id', sort.direction).limit(limit + 1).execute(),
    filtered(db, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const items = rows.slice(0, limit).map(fromRow);
  const last = items.at(-1);
  return { items, totalCount: Number(count.n), next: rows.length > limit && last ? encodeCursor({ value: last.at, id: last.id }) : undefined };
}

/** Deletes events older than `before` in batches; returns how many went. */
export async function deleteAuditEventsBefore(db: Executor, before: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const due = await db.selectFrom('audit_events').select('id').where('at', '<', before).limit(batch).execute();
    if (due.length === 0) return total;
    await db.deleteFrom('audit_events').where('id', 'in', due.map((d) => d.id)).execute();
    total += due.length;
    if (due.length < batch) return total;
  }
}
