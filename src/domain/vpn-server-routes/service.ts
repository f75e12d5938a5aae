import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import { deleteRouteRow, findRoute, insertRoute, listRoutes, renameRoute } from '../../store/vpn-server-routes.ts';
import { parseIpv4Cidr } from '../shared/cidr.ts';
import { generateName, newId } from '../shared/ids.ts';
import { getVpnServer } from '../vpn-servers/service.ts';
import type { DomainContext } from '../context.ts';

export type RouteAction = 'deliver' | 'drop' | 'translate';

export interface VpnRoute {
  id: string;
  vpnServerId: string;
  name: string;
  destination: string;
  action: RouteAction;
  lifecycleState: string;
  healthState: string;
  createdAt: number;
}

/** The reference's limit. */
export const MAX_ROUTES = 50;

const canonicalOrSelf = (text: string): string => {
  try {
    return parseIpv4Cidr(text, 'destination').canonical;
  } catch {
    return text;
  }
};

export async function getRoute(ctx: DomainContext, serverId: string, id: string): Promise<VpnRoute> {
  await getVpnServer(ctx, serverId);
  const route = await findRoute(ctx.store.db, serverId, id);
  if (!route) throw notFound('VPN server route', id);
  return route;
}

export async function listServerRoutes(ctx: DomainContext, serverId: string): Promise<VpnRoute[]> {
  await getVpnServer(ctx, serverId);
  return listRoutes(ctx.store.db, serverId);
}

/** Routes are pushed to clients when they connect, so a new route reaches every later session. */
export async function createRoute(ctx: DomainContext, serverId: string, input: { destination: string; action?: RouteAction; name?: string }): Promise<VpnRoute> {
  const existing = await listServerRoutes(ctx, serverId);
  // Uniqueness is about networks, not spellings: compare canonical forms (rows written before
  // destinations were canonicalised may hold another spelling).
  const destination = parseIpv4Cidr(input.destination, 'destination').canonical;
  if (existing.length >= MAX_ROUTES) {
    throw new SluiceError('too_many_routes', `a VPN server has at most ${MAX_ROUTES} routes`, { name: 'vpn_server_id', type: 'parameter', value: serverId });
  }
  const clash = existing.find((r) => canonicalOrSelf(r.destination) === destination);
  if (clash) {
    throw fieldError('destination_conflict', 'destination', `route ${clash.name} already goes to ${destination}`, input.destination);
  }
  const name = input.name ?? generateName();
  if (existing.some((r) => r.name === name)) throw fieldError('name_conflict', 'name', `a route named ${name} already exists`, name);
  const route: VpnRoute = {
    id: newId(),
    vpnServerId: serverId,
    name,
    destination,
    action: input.action ?? 'deliver',
    lifecycleState: 'stable',
    healthState: 'ok',
    createdAt: ctx.clock.now(),
  };
  await insertRoute(ctx.store.db, route);
  ctx.gateway.serverChanged(serverId);
  return route;
}

export async function updateRoute(ctx: DomainContext, serverId: string, id: string, patch: { name?: string }): Promise<VpnRoute> {
  const route = await getRoute(ctx, serverId, id);
  if (patch.name === undefined || patch.name === route.name) return route;
  const clash = (await listRoutes(ctx.store.db, serverId)).find((r) => r.name === patch.name && r.id !== id);
  if (clash) throw fieldError('name_conflict', 'name', `a route named ${patch.name} already exists`, patch.name);
  await renameRoute(ctx.store.db, id, patch.name);
  return { ...route, name: patch.name };
}

export async function deleteRoute(ctx: DomainContext, serverId: string, id: string): Promise<void> {
  await getRoute(ctx, serverId, id);
  await deleteRouteRow(ctx.store.db, id);
  ctx.gateway.serverChanged(serverId);
}
