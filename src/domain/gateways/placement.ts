import type { DomainContext } from '../context.ts';
import { EMBEDDED_SUBNET_ID, type VpnServer } from '../vpn-servers/model.ts';
import { findServer } from '../../store/vpn-servers.ts';
import { gatewaySubnetIds, placedGateways } from '../../store/gateways.ts';

/**
 * Where a VPN server runs. The reference places a server in one or two subnets; in Sluice a subnet
 * id names a registered gateway (its `subnet_id`), and a server whose subnets name none runs on
 * the embedded gateway of `sluice serve` — so a single-machine install needs no gateway at all.
 */
/** A server's place on one gateway: which of its gateways this is (index), of how many. */
export interface Placement {
  index: number;
  of: number;
}

/** Where `serverId` stands on the gateway with `subnetId`; undefined when not placed there. */
export async function placementOn(ctx: DomainContext, serverId: string, subnetId: string): Promise<Placement | undefined> {
  const server = await findServer(ctx.store.db, serverId);
  if (!server?.subnets.some((subnet) => subnet.id === subnetId)) return undefined;
  const registered = new Set(await gatewaySubnetIds(ctx.store.db));
  const gateways = server.subnets.map((subnet) => subnet.id).filter((id) => registered.has(id));
  return { index: Math.max(0, gateways.indexOf(subnetId)), of: Math.max(1, gateways.length) };
}

/** The servers among `servers` that run on the embedded gateway (placed on no registered one). */
export async function placedOnEmbedded<T extends Pick<VpnServer, 'subnets'>>(ctx: DomainContext, servers: T[]): Promise<T[]> {
  if (servers.length === 0) return servers;
  const registered = new Set(await gatewaySubnetIds(ctx.store.db));
  return servers.filter((server) => !server.subnets.some((subnet) => registered.has(subnet.id)));
}

/**
 * The public hosts of the gateways a server is placed on, in the order of its `subnets`: its
 * profile lists each as a `remote`. Empty when it runs on the embedded gateway.
 */
export async function gatewayHostsOf(ctx: DomainContext, server: Pick<VpnServer, 'subnets'>): Promise<string[]> {
  return (await placedGateways(ctx.store.db, server.subnets.map((subnet) => subnet.id))).map((gateway) => gateway.host);
}

/**
 * The first gateway host of each server placed on a gateway (its `hostname`); servers on the
 * embedded gateway are absent. One read for a whole page, none when every server is on the
 * embedded gateway.
 */
export async function gatewayHostnames(ctx: DomainContext, servers: readonly Pick<VpnServer, 'id' | 'subnets'>[]): Promise<Map<string, string>> {
  const subnetIds = [...new Set(servers.flatMap((server) => server.subnets.map((subnet) => subnet.id)))].filter((id) => id !== EMBEDDED_SUBNET_ID);
  const hostnames = new Map<string, string>();
  if (subnetIds.length === 0) return hostnames;
  const bySubnet = new Map((await placedGateways(ctx.store.db, subnetIds)).map((gateway) => [gateway.subnetId, gateway.host]));
  for (const server of servers) {
    const host = server.subnets.map((subnet) => bySubnet.get(subnet.id)).find((h) => h !== undefined);
    if (host !== undefined) hostnames.set(server.id, host);
  }
  return hostnames;
}
