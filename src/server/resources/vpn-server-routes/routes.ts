import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type, type Static } from 'typebox';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { createRoute, deleteRoute, getRoute, listServerRoutes, updateRoute, type VpnRoute } from '../../../domain/vpn-server-routes/service.ts';
import { pageInMemory, parseSort } from '../../../store/pagination.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { Accepted, Cidr, Href, Id, Line, Name, PageQuery, SortQuery, StringEnum, Timestamp, VersionQuery, collection, collectionExample, errorResponses, named } from '../../schemas.ts';
import { HEALTH_STATES, LIFECYCLE_STATES } from '../vpn-servers/schema.ts';
import type { AppServices } from '../../services.ts';

const tags = ['VPN server routes'];
const Action = StringEnum(['deliver', 'drop', 'translate'], 'What happens to matching packets: deliver keeps the client address, translate NATs it to the gateway, drop drops.');
const Destination = Cidr('IPv4 CIDR of the destination, unique per server.');
const RouteReason = (name: string, description: string) =>
  named(name, Type.Object(
    { code: Type.String({ pattern: '^[a-z][a-z0-9]*(_[a-z0-9]+)*$', minLength: 1, maxLength: 64, description: 'Reason code, snake_case.' }), message: Line('Explanation.', 1024), more_info: Type.Optional(Type.String({ ...Href, description: 'Link to documentation about this reason.' })) },
    { description },
  ));
const AccessUser = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', description: 'A user ID (username auth).' });
const AccessCommonName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[^\\x00-\\x1f\\x7f/\\\\]+$', description: 'A client certificate common name (certificate auth).' });
const accessFields = {
  users: Type.Optional(Type.Array(AccessUser, { minItems: 0, maxItems: 100, description: 'User IDs (username auth) that may use the route.' })),
  common_names: Type.Optional(Type.Array(AccessCommonName, { minItems: 0, maxItems: 100, description: 'Client certificate common names (certificate auth) that may use the route.' })),
};
const AccessBody = named('VPNServerRouteAccessPrototype', Type.Object(accessFields, { additionalProperties: false, description: 'Sluice extension: only these sessions may use the route; absent = everyone. Enforced by the gateway.' }));
/** In a merge patch, `null` opens the route to everyone again. */
const AccessPatch = named('VPNServerRouteAccessPatch', Type.Unsafe<{ users?: string[]; common_names?: string[] } | null>({
  ...Type.Object(accessFields, { additionalProperties: false }),
  nullable: true,
  description: 'Sluice extension: only these sessions may use the route; null = everyone again.',
}));
const AccessSchema = named('VPNServerRouteAccess', Type.Object(
  {
    users: Type.Array(AccessUser, { minItems: 0, maxItems: 100, description: 'User IDs that may use the route.' }),
    common_names: Type.Array(AccessCommonName, { minItems: 0, maxItems: 100, description: 'Certificate common names that may use the route.' }),
  },
  { description: 'Sluice extension: who may use the route; absent = everyone.' },
));
export type RouteAccess = Static<typeof AccessSchema>;
const Count = (description: string) => Type.Integer({ minimum: 0, description });

const SERVER = 'r001-8a6c1f0e-3b7d-4c1a-9e55-0f2b6d1c4e7a';
const ROUTE = 'r001-4c78d351-f51e-4f1b-b26c-77557fd4fc5d';
const ROUTE_EXAMPLE = {
  action: 'deliver',
  created_at: '2026-11-25T17:27:07.713Z',
  destination: '192.168.10.0/24',
  health_reasons: [],
  health_state: 'ok',
  href: `https://vpn.example.com/v1/vpn_servers/${SERVER}/routes/${ROUTE}`,
  id: ROUTE,
  lifecycle_reasons: [],
  lifecycle_state: 'stable',
  name: 'office-lan',
  resource_type: 'vpn_server_route',
};

const RouteSchema = named('VPNServerRoute', Type.Object(
  {
    action: Action,
    created_at: Timestamp,
    destination: Destination,
    health_reasons: Type.Array(RouteReason('VPNServerRouteHealthReason', 'Why the health is what it is.'), { minItems: 0, maxItems: 16, description: 'Health reasons.' }),
    health_state: StringEnum([...HEALTH_STATES], 'Health of the route; clients must tolerate new values.'),
    href: Href,
    id: Id,
    lifecycle_reasons: Type.Array(RouteReason('VPNServerRouteLifecycleReason', 'Why the lifecycle state is what it is.'), { minItems: 0, maxItems: 16, description: 'Lifecycle reasons.' }),
    lifecycle_state: StringEnum([...LIFECYCLE_STATES], 'Lifecycle state; clients must tolerate new values.'),
    name: Name,
    resource_type: StringEnum(['vpn_server_route'], 'Resource type.'),
    access: Type.Optional(AccessSchema),
    packets: Type.Optional(Count('Sluice extension: packets from clients this route matched (longest prefix) at the gateway; absent until the gateway counted.')),
    bytes: Type.Optional(Count('Sluice extension: bytes of those packets.')),
    denied_packets: Type.Optional(Count('Sluice extension: of those, packets refused because the session may not use the route.')),
    counted_at: Type.Optional(Timestamp),
  },
  { description: 'A route pushed to clients and enforced by the gateway.', example: ROUTE_EXAMPLE },
));
export type VpnServerRoute = Static<typeof RouteSchema>;
const RouteCollection = collection('VPNServerRouteCollection', 'routes', RouteSchema, 'Routes.', collectionExample(`/v1/vpn_servers/${SERVER}/routes`, 'routes', ROUTE_EXAMPLE));
const RoutePrototype = named('VPNServerRoutePrototype', Type.Object({ destination: Destination, action: Type.Optional(Action), name: Type.Optional(Name), access: Type.Optional(AccessBody) }, { additionalProperties: false, description: 'Route prototype.' }));
export type VpnServerRoutePrototype = Static<typeof RoutePrototype>;
const RoutePatch = named('VPNServerRoutePatch', Type.Object(
  { name: Type.Optional(Name), access: Type.Optional(AccessPatch) },
  { additionalProperties: false, description: 'Route patch (JSON merge patch): the name, and who may use the route (Sluice extension).' },
));
export type VpnServerRoutePatch = Static<typeof RoutePatch>;

const ServerId = Type.String({ ...Id, description: 'The VPN server identifier.' });
const ServerParams = Type.Object({ vpn_server_id: ServerId }, { description: 'Path parameters.' });
const RouteParams = Type.Object({ vpn_server_id: ServerId, id: Type.String({ ...Id, description: 'The VPN route identifier.' }) }, { description: 'Path parameters.' });
const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });
const ROUTE_SORTS = ['created_at', 'name'] as const;
const ListQuery = Type.Object({ ...PageQuery, sort: SortQuery(ROUTE_SORTS, '-created_at') }, { description: 'List parameters.' });

const present = (route: VpnRoute, base: string) => ({
  action: route.action,
  created_at: toTimestamp(route.createdAt),
  destination: route.destination,
  health_reasons: [],
  health_state: route.healthState,
  href: `${base}/v1/vpn_servers/${route.vpnServerId}/routes/${route.id}`,
  id: route.id,
  lifecycle_reasons: [],
  lifecycle_state: route.lifecycleState,
  name: route.name,
  resource_type: 'vpn_server_route' as const,
  ...(route.access && { access: { users: route.access.users, common_names: route.access.commonNames } }),
  ...(route.counters.countedAt !== null && {
    packets: route.counters.packets,
    bytes: route.counters.bytes,
    denied_packets: route.counters.deniedPackets,
    counted_at: toTimestamp(route.counters.countedAt),
  }),
});

export function registerVpnServerRouteRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx } = services;
  const read = { action: 'route.read' as const, serverParam: 'vpn_server_id' };
  const write = { action: 'route.write' as const, serverParam: 'vpn_server_id' };

  app.get('/v1/vpn_servers/:vpn_server_id/routes', {
    config: read,
    schema: { operationId: 'list_vpn_server_routes', summary: 'List VPN server routes', description: 'Lists the routes pushed to the clients of a VPN server.', tags, params: ServerParams, querystring: ListQuery, response: { 200: RouteCollection, ...errorResponses } },
  }, async (request) => {
    const sort = parseSort(request.query.sort, ROUTE_SORTS, { column: 'created_at', direction: 'desc' });
    const limit = request.query.limit ?? DEFAULT_LIMIT;
    const routes = await listServerRoutes(ctx, request.params.vpn_server_id);
    const page = pageInMemory(routes, sort, (r) => (sort.column === 'name' ? r.name : r.createdAt), limit, request.query.start);
    const base = baseUrl(request);
    return collectionOf(request, 'routes', page, limit, (r) => present(r, base));
  });

  app.post('/v1/vpn_servers/:vpn_server_id/routes', {
    config: write,
    schema: {
      operationId: 'create_vpn_server_route',
      summary: 'Create a VPN server route',
      description: 'Adds a route; clients get it when they next connect. A server has at most 50 routes, each destination once.',
      tags,
      params: ServerParams,
      querystring: Query,
      body: RoutePrototype,
      response: { 201: RouteSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const route = await createRoute(ctx, request.params.vpn_server_id, request.body);
    return reply.code(201).send(present(route, baseUrl(request)));
  });

  app.get('/v1/vpn_servers/:vpn_server_id/routes/:id', {
    config: read,
    schema: { operationId: 'get_vpn_server_route', summary: 'Get a VPN server route', description: 'Retrieves one route.', tags, params: RouteParams, querystring: Query, response: { 200: RouteSchema, ...errorResponses } },
  }, async (request) => present(await getRoute(ctx, request.params.vpn_server_id, request.params.id), baseUrl(request)));

  app.patch('/v1/vpn_servers/:vpn_server_id/routes/:id', {
    config: write,
    schema: {
      operationId: 'update_vpn_server_route',
      summary: 'Update a VPN server route',
      description: 'The name of a route can change, and (a Sluice extension) who may use it; delete and create a route to change its destination or action.',
      tags,
      params: RouteParams,
      querystring: Query,
      consumes: ['application/merge-patch+json'],
      body: RoutePatch,
      response: { 200: RouteSchema, ...errorResponses },
    },
  }, async (request) => present(await updateRoute(ctx, request.params.vpn_server_id, request.params.id, request.body), baseUrl(request)));

  app.delete('/v1/vpn_servers/:vpn_server_id/routes/:id', {
    config: write,
    schema: { operationId: 'delete_vpn_server_route', summary: 'Delete a VPN server route', description: 'Removes the route; clients lose it when they next connect.', tags, params: RouteParams, querystring: Query, response: { 202: Accepted('Deleted.'), ...errorResponses } },
  }, async (request, reply) => {
    await deleteRoute(ctx, request.params.vpn_server_id, request.params.id);
    return reply.code(202).send();
  });
}
