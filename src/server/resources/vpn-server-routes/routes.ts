import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { createRoute, deleteRoute, getRoute, listServerRoutes, updateRoute, type VpnRoute } from '../../../domain/vpn-server-routes/service.ts';
import { pageInMemory, parseSort } from '../../../store/pagination.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { Href, Id, Name, PageQuery, Timestamp, VersionQuery, collection, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';

const tags = ['VPN server routes'];
const Action = Type.Union([Type.Literal('deliver'), Type.Literal('drop'), Type.Literal('translate')], { description: 'What happens to matching packets.' });
const Destination = Type.String({ minLength: 9, maxLength: 18, description: 'IPv4 CIDR of the destination.' });
const AccessEntry = Type.String({ minLength: 1, maxLength: 64 });
const accessFields = {
  users: Type.Optional(Type.Array(AccessEntry, { maxItems: 100, description: 'User IDs (username auth) that may use the route.' })),
  common_names: Type.Optional(Type.Array(AccessEntry, { maxItems: 100, description: 'Client certificate common names (certificate auth) that may use the route.' })),
};
const AccessBody = Type.Object(accessFields, { additionalProperties: false, description: 'Sluice extension: only these sessions may use the route; absent = everyone. Enforced by the gateway.' });
const AccessPatch = Type.Object(accessFields, { additionalProperties: false, description: 'Sluice extension: only these sessions may use the route; null = everyone again.' });
const AccessSchema = Type.Object(
  {
    users: Type.Array(Type.String(), { description: 'User IDs that may use the route.' }),
    common_names: Type.Array(Type.String(), { description: 'Certificate common names that may use the route.' }),
  },
  { description: 'Sluice extension: who may use the route; absent = everyone.' },
);

const RouteSchema = Type.Object(
  {
    action: Type.String({ description: 'deliver, drop or translate.' }),
    created_at: Timestamp,
    destination: Type.String({ description: 'Destination CIDR.' }),
    health_reasons: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), { description: 'Health reasons.' }),
    health_state: Type.String({ description: 'Health.' }),
    href: Href,
    id: Id,
    lifecycle_reasons: Type.Array(Type.Object({ code: Type.String(), message: Type.String() }), { description: 'Lifecycle reasons.' }),
    lifecycle_state: Type.String({ description: 'Lifecycle state.' }),
    name: Name,
    resource_type: Type.Literal('vpn_server_route', { description: 'Resource type.' }),
    access: Type.Optional(AccessSchema),
    packets: Type.Optional(Type.Integer({ description: 'Sluice extension: packets from clients this route matched (longest prefix) at the gateway; absent until the gateway counted.' })),
    bytes: Type.Optional(Type.Integer({ description: 'Sluice extension: bytes of those packets.' })),
    denied_packets: Type.Optional(Type.Integer({ description: 'Sluice extension: of those, packets refused because the session may not use the route.' })),
    counted_at: Type.Optional(Type.String({ format: 'date-time', description: 'Sluice extension: when the gateway last reported the counters.' })),
  },
  { description: 'A route pushed to clients and enforced by the gateway.' },
);

const ServerParams = Type.Object({ vpn_server_id: Id }, { description: 'Path parameters.' });
const RouteParams = Type.Object({ vpn_server_id: Id, id: Id }, { description: 'Path parameters.' });
const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });
const ListQuery = Type.Object({ ...PageQuery, sort: Type.Optional(Type.String({ maxLength: 32, description: 'created_at, -created_at, name or -name.' })) });

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
    schema: { operationId: 'list_vpn_server_routes', summary: 'List VPN server routes', tags, params: ServerParams, querystring: ListQuery, response: { 200: collection('routes', RouteSchema, 'Routes.'), ...errorResponses } },
  }, async (request) => {
    const sort = parseSort(request.query.sort, ['created_at', 'name'] as const, { column: 'created_at', direction: 'desc' });
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
      tags,
      params: ServerParams,
      querystring: Query,
      body: Type.Object({ destination: Destination, action: Type.Optional(Action), name: Type.Optional(Name), access: Type.Optional(AccessBody) }, { additionalProperties: false, description: 'Route prototype.' }),
      response: { 201: RouteSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const route = await createRoute(ctx, request.params.vpn_server_id, request.body);
    return reply.code(201).send(present(route, baseUrl(request)));
  });

  app.get('/v1/vpn_servers/:vpn_server_id/routes/:id', {
    config: read,
    schema: { operationId: 'get_vpn_server_route', summary: 'Get a VPN server route', tags, params: RouteParams, querystring: Query, response: { 200: RouteSchema, ...errorResponses } },
  }, async (request) => present(await getRoute(ctx, request.params.vpn_server_id, request.params.id), baseUrl(request)));

  app.patch('/v1/vpn_servers/:vpn_server_id/routes/:id', {
    config: write,
    schema: {
      operationId: 'update_vpn_server_route',
      summary: 'Update a VPN server route',
      tags,
      params: RouteParams,
      querystring: Query,
      body: Type.Object(
        { name: Type.Optional(Name), access: Type.Optional(Type.Union([AccessPatch, Type.Null()])) },
        { additionalProperties: false, description: 'Route patch.' },
      ),
      response: { 200: RouteSchema, ...errorResponses },
    },
  }, async (request) => present(await updateRoute(ctx, request.params.vpn_server_id, request.params.id, request.body), baseUrl(request)));

  app.delete('/v1/vpn_servers/:vpn_server_id/routes/:id', {
    config: write,
    schema: { operationId: 'delete_vpn_server_route', summary: 'Delete a VPN server route', tags, params: RouteParams, querystring: Query, response: { 202: Type.Null({ description: 'Deleted.' }), ...errorResponses } },
  }, async (request, reply) => {
    await deleteRoute(ctx, request.params.vpn_server_id, request.params.id);
    return reply.code(202).send();
  });
}
