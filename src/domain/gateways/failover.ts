import type { EndedSessionReport, LiveSession } from '../../gateway/channel.ts';
import type { DomainContext } from '../context.ts';
import { connectedClients } from '../../store/clients.ts';
import { serverGatewayStates } from '../../store/server-gateway-states.ts';
import { gatewayOfKey } from './session-keys.ts';

/**
 * The sessions a new one replaces. A client whose gateway died reconnects to the other gateway of
 * its server, and the dead gateway cannot report that the old session ended. A new session of the
 * same certificate (common name) from the same address, while the old one's gateway is not
 * connected, is that client back: its old record ends as of the new session's start. Anything
 * less certain — no common name (username-only servers), another address — waits for the gateway
 * to return and reconcile, so a session that lives on behind a partition is never ended here.
 */
export async function sessionsReplacedBy(ctx: DomainContext, serverId: string, session: LiveSession): Promise<EndedSessionReport[]> {
  if (session.commonName === null) return [];
  const unreachable = new Set((await serverGatewayStates(ctx.store.db, serverId)).filter((state) => !state.reachable).map((state) => state.gatewayId));
  if (unreachable.size === 0) return [];
  const stale = (await connectedClients(ctx.store.db, serverId)).filter((client) => {
    const gateway = gatewayOfKey(client.sessionKey);
    return client.commonName === session.commonName && client.remoteIp === session.remoteIp && gateway !== undefined && unreachable.has(gateway);
  });
  return stale.map((client) => ({ sessionKey: client.sessionKey, endedAt: Math.max(client.createdAt, session.startedAt), bytesSent: client.bytesSent, bytesReceived: client.bytesReceived }));
}
