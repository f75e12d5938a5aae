import type { Executor } from './database.ts';
import type { VpnServerRouteRow } from './schema.ts';
import type { VpnRoute } from '../domain/vpn-server-routes/service.ts';

const fromRow = (row: VpnServerRouteRow): VpnRoute => ({
  id: row.id,
  vpnServerId: row.vpn_server_id,
  name: row.name,
  destination: row.destination,
  action: row.action as VpnRoute['action'],
  lifecycleState: row.lifecycle_state,
  healthState: row.health_state,
  createdAt: row.created_at,
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
    })
    .execute();
}

export async function renameRoute(db: Executor, id: string, name: string): Promise<void> {
  await db.updateTable('vpn_server_routes').set({ name }).where('id', '=', id).execute();
}

export async function deleteRouteRow(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('vpn_server_routes').where('id', '=', id).execute();
}
