import type { ServerStateReport } from '../../gateway/channel.ts';
import type { DomainContext } from '../context.ts';
import { findServer, setServerState } from '../../store/vpn-servers.ts';
import { placedGateways } from '../../store/gateways.ts';
import { saveServerGatewayState, serverGatewayStates, setGatewayReachable, setGatewayUnreachable } from '../../store/server-gateway-states.ts';
import { combineServerState, type GatewayServerView } from './server-health.ts';

/** A gateway seen this recently but with nothing reported yet is starting the server, not gone. */
const SEEN_RECENTLY_MS = 30_000;

/** A remote gateway reported a server's state: the server's state is what its gateways say together. */
export async function recordGatewayServerState(ctx: DomainContext, serverId: string, gateway: { id: string; instance: string }, state: ServerStateReport): Promise<void> {
  await saveServerGatewayState(ctx.store.db, { vpnServerId: serverId, gatewayId: gateway.id, ...state, reachable: true, instance: gateway.instance, reportedAt: ctx.clock.now() });
  await combineStates(ctx, serverId);
}

/**
 * A remote gateway's connection closed (`instance` undefined) or came back: the servers it runs say
 * so in their health. Back as a new process run, what it said before no longer holds.
 */
export async function gatewayReachable(ctx: DomainContext, gatewayId: string, instance: string | undefined): Promise<void> {
  const serverIds = instance === undefined ? await setGatewayUnreachable(ctx.store.db, gatewayId) : await setGatewayReachable(ctx.store.db, gatewayId, instance);
  for (const serverId of serverIds) await combineStates(ctx, serverId);
}

async function combineStates(ctx: DomainContext, serverId: string): Promise<void> {
  const server = await findServer(ctx.store.db, serverId);
  if (!server) return;
  const gateways = await placedGateways(ctx.store.db, server.subnets.map((subnet) => subnet.id));
  const rows = new Map((await serverGatewayStates(ctx.store.db, serverId)).map((row) => [row.gatewayId, row]));
  const now = ctx.clock.now();
  const views: GatewayServerView[] = gateways.map((gateway) => {
    const row = rows.get(gateway.id);
    if (!row) return { gatewayName: gateway.name, reachable: gateway.lastSeenAt !== null && now - gateway.lastSeenAt < SEEN_RECENTLY_MS, state: undefined };
    const state = { lifecycle: row.lifecycle, health: row.health, reasons: row.reasons } as ServerStateReport;
    return { gatewayName: gateway.name, reachable: row.reachable, state };
  });
  if (views.length === 0) return;
  const { lifecycle, health, reasons } = combineServerState(views);
  const failed = lifecycle === 'failed';
  await setServerState(ctx.store.db, serverId, { lifecycle, lifecycleReasons: failed ? reasons : [], health, healthReasons: failed ? [] : reasons });
}
