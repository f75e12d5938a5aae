import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { createRoute, deleteRoute, getRoute, listServerRoutes, updateRoute } from '../../../domain/vpn-server-routes/service.ts';
import { pageInMemory, parseSort } from '../../../store/pagination.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { Accepted, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { RouteSchema, RouteCollection, RoutePrototype, RoutePatch, ServerParams, RouteParams, Query, ROUTE_SORTS, ListQuery } from './schema.ts';
import { present } from './presenter.ts';

const tags = ['VPN server routes'];

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
