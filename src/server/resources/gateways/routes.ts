import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { SluiceError } from '../../../errors/catalogue.ts';
import { etagOf } from '../../../domain/gateways/model.ts';
import { getGateway, listGateways } from '../../../domain/gateways/reads.ts';
import { issueJoinToken, joinGateway, registerGateway, revokeGateway, updateGateway } from '../../../domain/gateways/service.ts';
import { actorOf } from '../../auth.ts';
import type { HttpLimits } from '../../limits/rate-limits.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { ErrorSchema, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { gatewayPatchOf, gatewaySpecOf, presentGateway, presentJoinToken } from './presenter.ts';
import { Deleted, GatewayCollection, GatewayParams, GatewayPatch, GatewayPrototype, GatewaySchema, IfMatchHeaders, JoinAnswer, JoinPrototype, JoinTokenSchema, ListQuery, Query } from './schema.ts';

const tags = ['Gateways'];

/**
 * Gateway hosts (Sluice extension): an Administrator registers one and gets a one-time join token;
 * the gateway exchanges it at `POST /gateway/join` (no bearer token) for its credential; deleting
 * the gateway revokes the credential. Tokens and credentials appear only in the answers that make them.
 */
export function registerGatewayRoutes(root: FastifyInstance, services: AppServices, limits: HttpLimits): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx } = services;
  const read = { action: 'gateway.read' as const };
  const write = { action: 'gateway.write' as const };
  const present = async (request: FastifyRequest, id: string) => presentGateway(await getGateway(ctx, id), baseUrl(request));

  app.get('/v1/gateways', {
    config: read,
    schema: { operationId: 'list_gateways', summary: 'List gateways', description: 'Lists the gateway hosts, newest first, a page at a time; follow `next.href` for the next page.', tags, querystring: ListQuery, response: { 200: GatewayCollection, ...errorResponses } },
  }, async (request) => {
    const limit = request.query.limit ?? DEFAULT_LIMIT;
    const page = await listGateways(ctx, { limit, start: request.query.start });
    const base = baseUrl(request);
    return collectionOf(request, 'gateways', page, limit, (view) => presentGateway(view, base));
  });

  app.post('/v1/gateways', {
    config: write,
    schema: {
      operationId: 'create_gateway',
      summary: 'Register a gateway',
      description: 'Registers a gateway host; the answer holds its one-time join token (valid 24 hours), which is never shown again. The gateway stays `pending` until it joins.',
      tags,
      querystring: Query,
      body: GatewayPrototype,
      response: { 201: GatewaySchema, 409: ErrorSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const { gateway, joinToken } = await registerGateway(ctx, gatewaySpecOf(request.body), actorOf(request));
    reply.code(201).header('ETag', etagOf(gateway));
    return { ...(await present(request, gateway.id)), join_token: presentJoinToken(joinToken) };
  });

  app.get('/v1/gateways/:id', {
    config: read,
    schema: { operationId: 'get_gateway', summary: 'Get a gateway', description: 'Retrieves one gateway; the answer carries an ETag for If-Match.', tags, params: GatewayParams, querystring: Query, response: { 200: GatewaySchema, ...errorResponses } },
  }, async (request, reply) => {
    const view = await getGateway(ctx, request.params.id);
    reply.header('ETag', etagOf(view.gateway));
    return presentGateway(view, baseUrl(request));
  });

  app.patch('/v1/gateways/:id', {
    config: write,
    schema: {
      operationId: 'update_gateway',
      summary: 'Update a gateway',
      description: 'JSON merge patch of name, host, port range and labels; `labels` replaces every label. The subnet id stays.',
      tags,
      params: GatewayParams,
      querystring: Query,
      headers: IfMatchHeaders,
      consumes: ['application/merge-patch+json'],
      body: GatewayPatch,
      response: { 200: GatewaySchema, 409: ErrorSchema, 412: ErrorSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const gateway = await updateGateway(ctx, request.params.id, gatewayPatchOf(request.body), request.headers['if-match']);
    reply.header('ETag', etagOf(gateway));
    return present(request, gateway.id);
  });

  app.delete('/v1/gateways/:id', {
    config: write,
    schema: { operationId: 'delete_gateway', summary: 'Delete a gateway', description: 'Deletes the gateway and revokes its credential; a live connection of the gateway ends at once.', tags, params: GatewayParams, querystring: Query, response: { 204: Deleted, ...errorResponses } },
  }, async (request, reply) => {
    await revokeGateway(ctx, request.params.id);
    return reply.code(204).send();
  });

  app.post('/v1/gateways/:id/join_token', {
    config: write,
    schema: {
      operationId: 'create_gateway_join_token',
      summary: 'Issue a new join token (shown once)',
      description: 'Issues a join token for re-enrolling the gateway; its current credential and any earlier join token stop working at once.',
      tags,
      params: GatewayParams,
      querystring: Query,
      response: { 201: JoinTokenSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const joinToken = await issueJoinToken(ctx, request.params.id);
    return reply.code(201).send(presentJoinToken(joinToken));
  });

  app.post('/gateway/join', {
    config: {},
    schema: {
      operationId: 'join_gateway',
      summary: 'Exchange a join token for a gateway credential',
      description: 'Called by the gateway itself; needs no bearer token. The join token works once, within 24 hours of issue. Failed attempts spend the caller address\u2019s failure budget, shared with API key lookups.',
      tags,
      security: [],
      body: JoinPrototype,
      response: { 200: JoinAnswer, 400: ErrorSchema, 401: ErrorSchema, 429: ErrorSchema },
    },
  }, async (request) => {
    const subjects = limits.keySubjects(request);
    await limits.keyFailures.check(subjects, 'join token or API key lookups');
    try {
      const { gateway, credential } = await joinGateway(ctx, request.body.join_token);
      return { gateway: { id: gateway.id, name: gateway.name }, credential };
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'not_authenticated') await limits.keyFailures.fail(subjects);
      throw error;
    }
  });
}
