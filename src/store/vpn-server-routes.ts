import type { Selectable } from 'kysely';
import type { Executor } from './database.ts';
import type { VpnServerRouteRow } from './schema.ts';
import type { RouteCounters, VpnRoute } from '../domain/vpn-server-routes/model.ts';
import type { RouteAccess } from '../domain/vpn-server-routes/access.ts';

/** The `access` column: JSON text in both dialects, snake case as on the wire; null = everyone. */
const accessToJson = (access: RouteAccess | null): string | null => (access === null ? null : JSON.stringify({ users: access.users, common_names: access.commonNames }));

function accessFromJson(text: string | null): RouteAccess | null {
  if (text === null) return null;
  const parsed = JSON.parse(text) as { users?: string[]; common_names?: string[] };
  return { users: parsed.users ?? [], commonNames: parsed.common_names ?? [] };
}

const fromRow = (row: Selectable<VpnServerRouteRow>): VpnRoute => ({
  id: row.id,
  vpnServerId: row.vpn_server_id,
  name: row.name,
  destination: row.destination,
  action: row.action as VpnRoute['action'],
  lifecycleState: row.lifecycle_state,
  healthState: row.health_state,
  createdAt: row.created_at,
  access: accessFromJson(row.access),
  counters: { packets: row.packets, bytes: row.bytes, deniedPackets: row.denied_packets, countedAt: row.counted_at },
});

export async function listRoutes(db: Executor, serverId: string): Promise<VpnRoute[]> {
  return (await db.selectFrom('vpn_server_routes').selectAll().where('vpn_server_id', '=', serverId).execute()).map(fromRow);
}

export async function findRoute(db: Executor, serverId: string, id: string): Promise<VpnRoute | undefined> {
  const row = await db.selectFrom('vpn_server_routes').selectAll().where('vpn_server_id', '=', serverId).where('id', '=', id).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

export async function insertRoute(db: Executor, route: VpnRoute): Promise<void> {
  await db
    .insertInto('vpn_server_routes')
    .values({
      id: route.id,
      vpn_server_id: route.vpnServerId,
      name: route.name,
      destination: route.destination,
      action: route.action,
      lifecycle_state: route.lifecycleState,
      health_state: route.healthState,
      created_at: route.createdAt,
      access: accessToJson(route.access),
      counted_at: null,
    })
    .execute();
}

export async function setRouteAccess(db: Executor, id: string, access: RouteAccess | null): Promise<void> {
  await db.updateTable('vpn_server_routes').set({ access: accessToJson(access) }).where('id', '=', id).execute();
}

export async function saveRouteCounters(db: Executor, serverId: string, id: string, counters: RouteCounters): Promise<void> {
  await db
    .updateTable('vpn_server_routes')
    .set({ packets: counters.packets, bytes: counters.bytes, denied_packets: counters.deniedPackets, counted_at: counters.countedAt })
    .where('vpn_server_id', '=', serverId)
    .where('id', '=', id)
    .execute();
}

export async function renameRoute(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable('vpn_server_routes').set({ name }).where('id', '=', id).execute();
}

export async function deleteRouteRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('vpn_server_routes').where('id', '=', id).execute();
}
