import { SluiceError, fieldError, notFound } from '../../errors/catalogue.ts';
import { inTransaction } from '../../store/database.ts';
import { deleteRouteRow, findRoute, insertRoute, listRoutes, renameRoute, saveRouteCounters, setRouteAccess } from '../../store/vpn-server-routes.ts';
import { parseAccess, type RouteAccessInput } from './access.ts';
import { parseIpv4Cidr } from '../shared/cidr.ts';
import { generateUnusedName, newId } from '../shared/ids.ts';
import { getVpnServer } from '../vpn-servers/service.ts';
import type { DomainContext } from '../context.ts';
import type { RouteAction, RouteCounters, VpnRoute } from './model.ts';

export type { RouteAction, RouteCounters, VpnRoute } from './model.ts';

export const NO_COUNTERS: RouteCounters = { packets: 0, bytes: 0, deniedPackets: 0, countedAt: null };

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

/**
 * Routes are pushed to clients when they connect, so a new route reaches every later session's
 * routing table; the gateway's data plane enforces it for live sessions at once.
 */
export async function createRoute(ctx: DomainContext, serverId: string, input: { destination: string; action?: RouteAction; name?: string; access?: RouteAccessInput }): Promise<VpnRoute> {
  const existing = await listServerRoutes(ctx, serverId);
  // Uniqueness is about networks, not spellings: compare canonical forms (rows written before
  // destinations were canonicalised may hold another spelling).
  const destination = parseIpv4Cidr(input.destination, 'destination').canonical;
  const action = input.action ?? 'deliver';
  const access = input.access === undefined ? null : parseAccess(input.access, action);
  if (existing.length >= MAX_ROUTES) {
    throw new SluiceError('too_many_routes', `a VPN server has at most ${MAX_ROUTES} routes`, { name: 'vpn_server_id', type: 'parameter', value: serverId });
  }
  const clash = existing.find((r) => canonicalOrSelf(r.destination) === destination);
  if (clash) {
    throw fieldError('destination_conflict', 'destination', `route ${clash.name} already goes to ${destination}`, input.destination);
  }
  const name = input.name ?? generateUnusedName(new Set(existing.map((r) => r.name)));
  if (existing.some((r) => r.name === name)) throw fieldError('name_conflict', 'name', `a route named ${name} already exists`, name);
  const route: VpnRoute = {
    id: newId(),
    vpnServerId: serverId,
    name,
    destination,
    action,
    lifecycleState: 'stable',
    healthState: 'ok',
    createdAt: ctx.clock.now(),
    access,
    counters: NO_COUNTERS,
  };
  await insertRoute(ctx.store.db, route);
  ctx.gateway.serverChanged(serverId);
  return route;
}

/** Renames (the reference) and changes who may use the route (`access: null` = everyone again). */
export async function updateRoute(ctx: DomainContext, serverId: string, id: string, patch: { name?: string; access?: RouteAccessInput | null }): Promise<VpnRoute> {
  let route = await getRoute(ctx, serverId, id);
  if (patch.name !== undefined && patch.name !== route.name) {
    const clash = (await listRoutes(ctx.store.db, serverId)).find((r) => r.name === patch.name && r.id !== id);
    if (clash) throw fieldError('name_conflict', 'name', `a route named ${patch.name} already exists`, patch.name);
    await renameRoute(ctx.store.db, id, patch.name);
    route = { ...route, name: patch.name };
  }
  if (patch.access !== undefined) {
    const access = patch.access === null ? null : parseAccess(patch.access, route.action);
    await setRouteAccess(ctx.store.db, id, access);
    route = { ...route, access };
    ctx.gateway.serverChanged(serverId);
  }
  return route;
}

/** The gateway's data-plane counters for a server's routes; routes deleted meanwhile are skipped. */
export async function recordRouteCounters(ctx: DomainContext, serverId: string, at: number, counters: readonly { routeId: string; packets: number; bytes: number; deniedPackets: number }[]): Promise<void> {
  await inTransaction(ctx.store.db, async (trx) => {
    for (const c of counters) await saveRouteCounters(trx, serverId, c.routeId, { packets: c.packets, bytes: c.bytes, deniedPackets: c.deniedPackets, countedAt: at });
  });
}

export async function deleteRoute(ctx: DomainContext, serverId: string, id: string): Promise<void> {
  await getRoute(ctx, serverId, id);
  await deleteRouteRow(ctx.store.db, id);
  ctx.gateway.serverChanged(serverId);
}
