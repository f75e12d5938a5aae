import type { Executor } from './schema.ts';

export interface ServerGatewayState {
  vpnServerId: string;
  gatewayId: string;
  lifecycle: string;
  health: string;
  reasons: { code: string; message: string }[];
  reachable: boolean;
  /** The gateway process run that reported it. */
  instance: string;
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
    instance: state.instance,
    reported_at: state.reportedAt,
  };
  await db
    .insertInto('vpn_server_gateway_states')
    .values(row)
    .onConflict((conflict) => conflict.columns(['vpn_server_id', 'gateway_id']).doUpdateSet({ lifecycle: row.lifecycle, health: row.health, reasons: row.reasons, reachable: row.reachable, instance: row.instance, reported_at: row.reported_at }))
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
    instance: row.instance,
    reportedAt: Number(row.reported_at),
  }));
}

/** The gateway's connection closed: every server it runs hears so. Returns those servers. */
export async function setGatewayUnreachable(db: Executor, gatewayId: string): Promise<string[]> {
  const rows = await db.updateTable('vpn_server_gateway_states').set({ reachable: 0 }).where('gateway_id', '=', gatewayId).returning('vpn_server_id').execute();
  return rows.map((row) => row.vpn_server_id);
}

/**
 * The gateway connected again. Reports of the same process run still hold; those of an earlier
 * run (it restarted) are unknown until the new one reports: pending. Returns the servers touched.
 */
export async function setGatewayReachable(db: Executor, gatewayId: string, instance: string): Promise<string[]> {
  const same = await db.updateTable('vpn_server_gateway_states').set({ reachable: 1 }).where('gateway_id', '=', gatewayId).where('instance', '=', instance).returning('vpn_server_id').execute();
  const earlier = await db
    .updateTable('vpn_server_gateway_states')
    .set({ reachable: 1, instance, lifecycle: 'pending', health: 'inapplicable', reasons: '[]' })
    .where('gateway_id', '=', gatewayId)
    .where('instance', '!=', instance)
    .returning('vpn_server_id')
    .execute();
  return [...same, ...earlier].map((row) => row.vpn_server_id);
}
