import type { SluiceClient } from '../client/api.ts';
import type { VpnServer } from '../client/types.ts';

const MAX_NAME = 63;

/**
 * A server given by id or name. Ids and names share an alphabet, so the name is tried first
 * (one cheap filtered list) and anything unmatched is taken as an id; the API's 404 then speaks.
 */
export async function resolveServerId(client: SluiceClient, ref: string): Promise<string> {
  return (await findServerByName(client, ref))?.id ?? ref;
}

export async function findServerByName(client: SluiceClient, ref: string): Promise<VpnServer | undefined> {
  if (ref.length > MAX_NAME || !/^[a-z]/.test(ref)) return undefined;
  const page = await client.listVpnServers({ name: ref, limit: 1 });
  return page.vpn_servers.find((server) => server.name === ref);
}

/** A route of a server by id or name: names are resolved by listing the server's routes. */
export async function resolveRouteId(client: SluiceClient, serverId: string, ref: string): Promise<string> {
  const routes = await client.listAllVpnServerRoutes(serverId);
  return (routes.find((route) => route.id === ref) ?? routes.find((route) => route.name === ref))?.id ?? ref;
}

/** A gateway by id or name: names are resolved by listing the gateways (they are few). */
export async function resolveGatewayId(client: SluiceClient, ref: string): Promise<string> {
  const gateways = await client.listAllGateways();
  return (gateways.find((g) => g.id === ref) ?? gateways.find((g) => g.name === ref))?.id ?? ref;
}
