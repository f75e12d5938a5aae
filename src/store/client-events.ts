import type { Executor } from './database.ts';
import type { ClientEventType } from '../domain/clients/model.ts';

export interface StoredClientEvent {
  seq: number;
  vpnServerId: string;
  clientId: string;
  type: ClientEventType;
  at: number;
  actor: string | null;
  data: Record<string, unknown>;
}

export type NewClientEvent = Omit<StoredClientEvent, 'seq'>;

export async function appendClientEvents(db: Executor, events: readonly NewClientEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('client_events')
    .values(
      events.map((e) => ({
        vpn_server_id: e.vpnServerId,
        client_id: e.clientId,
        type: e.type,
        at: e.at,
        actor: e.actor,
        data: JSON.stringify(e.data),
      })),
    )
    .execute();
}

export async function clientEventsSince(db: Executor, serverId: string, afterSeq: number, limit: number): Promise<StoredClientEvent[]> {
  const rows = await db
    .selectFrom('client_events')
    .selectAll()
    .where('vpn_server_id', '=', serverId)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    seq: Number(r.seq),
    vpnServerId: r.vpn_server_id,
    clientId: r.client_id,
    type: r.type as ClientEventType,
    at: r.at,
    actor: r.actor,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }));
}

export async function latestClientEventSeq(db: Executor, serverId: string): Promise<number> {
  const row = await db
    .selectFrom('client_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('vpn_server_id', '=', serverId)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

export async function deleteClientEventsBefore(db: Executor, before: number): Promise<number> {
  const result = await db.deleteFrom('client_events').where('at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
