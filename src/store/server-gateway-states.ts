import type { Executor } from './schema.ts';

export interface ServerGatewayState {
  vpnServerId: string;
  gatewayId: string;
  lifecycle: string;
  health: string;
  reasons: { code: string; message: string }[];
  reachable: boolean;
  reportedAt: number;
}

export async function saveServerGatewayState(db: Executor, state: ServerGatewayState): Promise<void> {
  const row = {
    vpn_server_id: state.vpnServerId,
    gateway_id: state.gatewayId,
    lifecycle: state.lifecycle,
    health: state.health,
    reasons: JSON.stringify(state.reasons),
    reachable: state.reachable ? 1 : 0,
    reported_at: state.reportedAt,
  };
  await db
    .insertInto('vpn_server_gateway_states')
    .values(row)
    .onConflict((conflict) => conflict.columns(['vpn_server_id', 'gateway_id']).doUpdateSet({ lifecycle: row.lifecycle, health: row.health, reasons: row.reasons, reachable: row.reachable, reported_at: row.reported_at }))
    .execute();
}

export async function serverGatewayStates(db: Executor, vpnServerId: string): Promise<ServerGatewayState[]> {
  const rows = await db.selectFrom('vpn_server_gateway_states').selectAll().where('vpn_server_id', '=', vpnServerId).execute();
  return rows.map((row) => ({
    vpnServerId: row.vpn_server_id,
    gatewayId: row.gateway_id,
    lifecycle: row.lifecycle,
    health: row.health,
    reasons: JSON.parse(row.reasons) as ServerGatewayState['reasons'],
    reachable: row.reachable === 1,
    reportedAt: Number(row.reported_at),
  }));
}

/** The gateway's connection closed (or came back): every server it runs hears so. Returns those servers. */
export async function setGatewayReachable(db: Executor, gatewayId: string, reachable: boolean): Promise<string[]> {
  const rows = await db.updateTable('vpn_server_gateway_states').set({ reachable: reachable ? 1 : 0 }).where('gateway_id', '=', gatewayId).returning('vpn_server_id').execute();
  return rows.map((row) => row.vpn_server_id);
}
