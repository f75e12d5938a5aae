import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { GatewayPatch, GatewaySpec } from '../../../domain/gateways/model.ts';
import type { GatewayView } from '../../../domain/gateways/reads.ts';
import type { JoinToken } from '../../../domain/gateways/service.ts';
import type { GatewayJoinTokenWire, GatewayPatchWire, GatewayPrototypeWire, GatewayWire } from './schema.ts';

/** The Gateway a domain view is on the wire (never its credential). */
export const presentGateway = (view: GatewayView, base: string): GatewayWire => {
  const g = view.gateway;
  return {
    id: g.id,
    href: `${base}/v1/gateways/${g.id}`,
    name: g.name,
    host: g.host,
    port_range: g.portRange ? { min: g.portRange.min, max: g.portRange.max } : null,
    labels: { ...g.labels },
    subnet: { id: g.subnetId },
    status: view.status,
    last_seen_at: g.lastSeenAt === null ? null : toTimestamp(g.lastSeenAt),
    version: g.version,
    vpn_servers: view.vpnServers,
    connected_clients: view.connectedClients,
    created_at: toTimestamp(g.createdAt),
  };
};

export const presentJoinToken = (join: JoinToken): GatewayJoinTokenWire => ({ token: join.token, expires_at: toTimestamp(join.expiresAt) });

export const gatewaySpecOf = (body: GatewayPrototypeWire): GatewaySpec => ({
  name: body.name,
  host: body.host,
  ...(body.port_range !== undefined && { portRange: { min: body.port_range.min, max: body.port_range.max } }),
  ...(body.labels !== undefined && { labels: body.labels }),
  ...(body.subnet !== undefined && { subnetId: body.subnet.id }),
});

export const gatewayPatchOf = (body: GatewayPatchWire): GatewayPatch => ({
  ...(body.name !== undefined && { name: body.name }),
  ...(body.host !== undefined && { host: body.host }),
  ...(body.port_range !== undefined && { portRange: body.port_range === null ? null : { min: body.port_range.min, max: body.port_range.max } }),
  ...(body.labels !== undefined && { labels: body.labels }),
});
