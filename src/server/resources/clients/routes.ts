import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { disconnectMatching, getClient, requestDelete, requestDisconnect } from '../../../domain/clients/lifecycle.ts';
import { getVpnServer } from '../../../domain/vpn-servers/service.ts';
import { listServerClients } from '../../../domain/clients/reads.ts';
import { ClientCounts } from '../../../domain/clients/counts.ts';
import { parseSort } from '../../../store/pagination.ts';
import { actorOf } from '../../auth.ts';
import { auditLink } from '../../audit/hook.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { Accepted as AcceptedBody, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { presentClient } from './presenter.ts';
import { BulkDisconnectBody, BulkDisconnectResult, CLIENT_SORTS, ClientCollection, ClientParams, ClientSchema, ListQuery, Query, ServerParams } from './schema.ts';

const tags = ['VPN server clients'];
const Accepted = { 202: AcceptedBody('Accepted; carried out asynchronously.'), ...errorResponses };

export function registerClientRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx } = services;
  const counts = new ClientCounts(ctx);
  const server = { serverParam: 'vpn_server_id' };

  app.get('/v1/vpn_servers/:vpn_server_id/clients', {
    config: { action: 'client.read', ...server },
    schema: { operationId: 'list_vpn_server_clients', summary: 'List VPN server clients', description: 'Lists connected clients and disconnected ones not yet auto-deleted, newest first by default.', tags, params: ServerParams, querystring: ListQuery, response: { 200: ClientCollection, ...errorResponses } },
  }, async (request) => {
    const q = request.query;
    const sort = parseSort(q.sort, CLIENT_SORTS, { column: 'created_at', direction: 'desc' });
    const limit = q.limit ?? DEFAULT_LIMIT;
    const filter = { ...(q.status && { status: q.status }), ...(q.username !== undefined && { username: q.username }), ...(q.common_name !== undefined && { commonName: q.common_name }) };
    const serverId = request.params.vpn_server_id;
    const page = await listServerClients(ctx, counts, serverId, filter, sort, limit, q.start);
    const base = baseUrl(request);
    return collectionOf(request, 'clients', page, limit, (c) => presentClient(c, base));
  });

  app.get('/v1/vpn_servers/:vpn_server_id/clients/:id', {
    config: { action: 'client.read', ...server },
    schema: { operationId: 'get_vpn_server_client', summary: 'Get a VPN server client', description: 'Retrieves one client session.', tags, params: ClientParams, querystring: Query, response: { 200: ClientSchema, ...errorResponses } },
  }, async (request) => presentClient(await getClient(ctx, request.params.vpn_server_id, request.params.id), baseUrl(request)));

  app.delete('/v1/vpn_servers/:vpn_server_id/clients/:id', {
    config: { action: 'client.delete', ...server },
    schema: { operationId: 'delete_vpn_server_client', summary: 'Delete a VPN server client', description: 'Disconnects the client if connected and removes the record at once.', tags, params: ClientParams, querystring: Query, response: Accepted },
  }, async (request, reply) => {
    await requestDelete(ctx, request.params.vpn_server_id, request.params.id, actorOf(request), auditLink(request));
    return reply.code(202).send();
  });

  app.post('/v1/vpn_servers/:vpn_server_id/clients/:id/disconnect', {
    config: { action: 'client.disconnect', ...server },
    schema: { operationId: 'disconnect_vpn_client', summary: 'Disconnect a VPN client', description: 'The record turns `disconnected` and is deleted after `client_auto_delete_timeout`.', tags, params: ClientParams, querystring: Query, response: Accepted },
  }, async (request, reply) => {
    await requestDisconnect(ctx, request.params.vpn_server_id, request.params.id, actorOf(request), auditLink(request));
    return reply.code(202).send();
  });

  app.post('/v1/vpn_servers/:vpn_server_id/clients/disconnect', {
    config: { action: 'client.disconnect', ...server },
    schema: { operationId: 'disconnect_vpn_clients', summary: 'Disconnect every session of a user or common name', description: 'Sluice extension: disconnects every connected session that matches, with one result per session.', tags, params: ServerParams, querystring: Query, body: BulkDisconnectBody, response: { 202: BulkDisconnectResult, ...errorResponses } },
  }, async (request, reply) => {
    await getVpnServer(ctx, request.params.vpn_server_id);
    const body = request.body;
    const filter = { ...(body.username !== undefined && { username: body.username }), ...(body.common_name !== undefined && { commonName: body.common_name }) };
    const results = await disconnectMatching(ctx, request.params.vpn_server_id, filter, actorOf(request), auditLink(request));
    const base = baseUrl(request);
    return reply.code(202).send({
      clients: results.map((r) => ({ id: r.client.id, href: `${base}/v1/vpn_servers/${r.client.vpnServerId}/clients/${r.client.id}`, result: r.outcome })),
    });
  });
}
