import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { createVpnServer, deleteVpnServer, getVpnServer, listVpnServers, updateVpnServer } from '../../../domain/vpn-servers/service.ts';
import { connectedCounts } from '../../../domain/clients/reads.ts';
import { gatewayHostnames } from '../../../domain/gateways/placement.ts';
import { etagOf, type VpnServer } from '../../../domain/vpn-servers/model.ts';
import { visibleServerIds } from '../../../domain/identity/roles.ts';
import { pageInMemory, parseSort } from '../../../store/pagination.ts';
import { principalOf } from '../../auth.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { Accepted, ErrorSchema, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { presentVpnServer, vpnServerSpecOf } from './presenter.ts';
import { assertProfileCertificate } from '../profiles/profile.ts';
import { CreateBody, IfMatchHeaders, ListQuery, PatchBody, Query, ServerParams, VPN_SERVER_SORTS, VpnServerCollection, VpnServerSchema } from './schema.ts';

const tags = ['VPN servers'];

export function registerVpnServerRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx, certificates } = services;

  const present = async (request: FastifyRequest, servers: VpnServer[]) => {
    const [counts, hostnames] = await Promise.all([connectedCounts(ctx, servers.map((s) => s.id)), gatewayHostnames(ctx, servers)]);
    const base = baseUrl(request);
    return servers.map((server) =>
      presentVpnServer(server, {
        base,
        hostname: hostnames.get(server.id) ?? services.publicHost,
        listenHost: services.listenHost,
        accountId: ctx.accountId,
        connectedClients: counts.get(server.id) ?? 0,
      }),
    );
  };
  const presentOne = async (request: FastifyRequest, server: VpnServer) => (await present(request, [server]))[0];

  app.get('/v1/vpn_servers', {
    config: { action: 'authenticated' },
    schema: { operationId: 'list_vpn_servers', summary: 'List VPN servers', description: 'Lists the VPN servers the caller may see, a page at a time; follow `next.href` for the next page.', tags, querystring: ListQuery, response: { 200: VpnServerCollection, ...errorResponses } },
  }, async (request) => {
    const q = request.query;
    const sort = parseSort(q.sort, VPN_SERVER_SORTS, { column: 'created_at', direction: 'desc' });
    const visible = visibleServerIds(principalOf(request), 'vpn_server.read');
    const servers = (await listVpnServers(ctx)).filter(
      (s) =>
        (visible === null || visible.has(s.id)) &&
        (q.name === undefined || s.name === q.name) &&
        (q['resource_group.id'] === undefined || s.resourceGroup?.id === q['resource_group.id']),
    );
    const limit = q.limit ?? DEFAULT_LIMIT;
    const page = pageInMemory(servers, sort, (s) => (sort.column === 'name' ? s.name : s.createdAt), limit, q.start);
    const presented = await present(request, page.items);
    return collectionOf(request, 'vpn_servers', { ...page, items: presented }, limit, (s) => s);
  });

  app.post('/v1/vpn_servers', {
    config: { action: 'vpn_server.write' },
    schema: { operationId: 'create_vpn_server', summary: 'Create a VPN server', description: 'Creates a VPN server; it starts `pending` and turns `stable` once its OpenVPN process runs. The answer carries an ETag.', tags, querystring: Query, body: CreateBody, response: { 201: VpnServerSchema, ...errorResponses } },
  }, async (request, reply) => {
    if (request.body.certificate) await assertProfileCertificate(services, request.body.certificate.crn, 'certificate.crn');
    const server = await createVpnServer(ctx, certificates, vpnServerSpecOf(request.body));
    reply.code(201).header('ETag', etagOf(server));
    return presentOne(request, server);
  });

  app.get('/v1/vpn_servers/:id', {
    config: { action: 'vpn_server.read', serverParam: 'id' },
    schema: { operationId: 'get_vpn_server', summary: 'Get a VPN server', description: 'Retrieves one VPN server; the answer carries an ETag for If-Match.', tags, params: ServerParams, querystring: Query, response: { 200: VpnServerSchema, ...errorResponses } },
  }, async (request, reply) => {
    const server = await getVpnServer(ctx, request.params.id);
    reply.header('ETag', etagOf(server));
    return presentOne(request, server);
  });

  app.patch('/v1/vpn_servers/:id', {
    config: { action: 'vpn_server.write', serverParam: 'id' },
    schema: {
      operationId: 'update_vpn_server',
      summary: 'Update a VPN server',
      description: 'JSON merge patch. Any change other than `name` restarts the server and disconnects its clients.',
      tags,
      params: ServerParams,
      querystring: Query,
      headers: IfMatchHeaders,
      consumes: ['application/merge-patch+json'],
      body: PatchBody,
      response: { 200: VpnServerSchema, 412: ErrorSchema, 428: ErrorSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    if (request.body.certificate) await assertProfileCertificate(services, request.body.certificate.crn, 'certificate.crn');
    const server = await updateVpnServer(ctx, certificates, request.params.id, vpnServerSpecOf(request.body), request.headers['if-match']);
    reply.header('ETag', etagOf(server));
    return presentOne(request, server);
  });

  app.delete('/v1/vpn_servers/:id', {
    config: { action: 'vpn_server.write', serverParam: 'id' },
    schema: {
      operationId: 'delete_vpn_server',
      summary: 'Delete a VPN server',
      description: 'Disconnects its clients and stops it; the server shows `deleting` until it is gone (404).',
      tags,
      params: ServerParams,
      querystring: Query,
      headers: IfMatchHeaders,
      response: { 202: Accepted('Deletion accepted.'), 412: ErrorSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    await deleteVpnServer(ctx, request.params.id, request.headers['if-match']);
    return reply.code(202).send();
  });
}
