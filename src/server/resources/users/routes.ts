import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { actorOf } from '../../auth.ts';
import { auditLink } from '../../audit/hook.ts';
import { errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { Query, UserParams, KeyParams, UserSchema, UserCollection, UserPrototype, UserPatch, ApiKeySchema, ApiKeyCollection, ApiKeyPrototype, Deleted } from './schema.ts';
import { toBindings, presentUser } from './presenter.ts';

const tags = ['Users'];

/** User and API key administration (Administrator only). */
export function registerUserRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { identity } = services;
  const admin = { action: 'identity.admin' as const };

  app.get('/v1/users', { config: admin, schema: { operationId: 'list_users', summary: 'List users', description: 'Lists every user with their role bindings.', tags, querystring: Query, response: { 200: UserCollection, ...errorResponses } } }, async () => {
    const users = await identity.listUsers();
    return { users: await Promise.all(users.map(async (u) => presentUser(u, (await identity.getUser(u.id)).bindings))) };
  });

  app.post('/v1/users', {
    config: admin,
    schema: { operationId: 'create_user', summary: 'Create a user', description: 'Creates a user; give it an API key to let it sign in.', tags, querystring: Query, body: UserPrototype, response: { 201: UserSchema, ...errorResponses } },
  }, async (request, reply) => {
    const bindings = toBindings(request.body.roles ?? []);
    const user = await identity.createUser(request.body.name, bindings);
    return reply.code(201).send(presentUser(user, bindings));
  });

  app.get('/v1/users/:id', { config: admin, schema: { operationId: 'get_user', summary: 'Get a user', description: 'Retrieves one user.', tags, params: UserParams, querystring: Query, response: { 200: UserSchema, ...errorResponses } } }, async (request) => {
    const { user, bindings } = await identity.getUser(request.params.id);
    return presentUser(user, bindings);
  });

  app.patch('/v1/users/:id', {
    config: admin,
    schema: {
      operationId: 'update_user',
      summary: 'Disable, enable or change the roles of a user',
      description: 'Disabling a user, or taking away their VPNClient role on a server, ends their live VPN sessions there at once and refuses their reconnects.',
      tags,
      params: UserParams,
      querystring: Query,
      consumes: ['application/merge-patch+json'],
      body: UserPatch,
      response: { 200: UserSchema, ...errorResponses },
    },
  }, async (request) => {
    const changes = {
      ...(request.body.disabled !== undefined && { disabled: request.body.disabled }),
      ...(request.body.roles !== undefined && { bindings: toBindings(request.body.roles) }),
    };
    await identity.updateUser(request.params.id, changes, actorOf(request), auditLink(request));
    const { user, bindings } = await identity.getUser(request.params.id);
    return presentUser(user, bindings);
  });

  app.delete('/v1/users/:id', { config: admin, schema: { operationId: 'delete_user', summary: 'Delete a user', description: 'Deletes a user, its API keys and role bindings.', tags, params: UserParams, querystring: Query, response: Deleted } }, async (request, reply) => {
    await identity.deleteUser(request.params.id, actorOf(request), auditLink(request));
    return reply.code(202).send();
  });

  app.get('/v1/users/:id/api_keys', { config: admin, schema: { operationId: 'list_user_api_keys', summary: 'List API keys of a user', description: 'Lists the labels and ids of a user\u2019s API keys; the keys themselves are shown once, at creation.', tags, params: UserParams, querystring: Query, response: { 200: ApiKeyCollection, ...errorResponses } } }, async (request) => {
    const keys = await identity.listApiKeys(request.params.id);
    return { api_keys: keys.map((k) => ({ id: k.id, name: k.name, created_at: toTimestamp(k.createdAt) })) };
  });

  app.post('/v1/users/:id/api_keys', {
    config: admin,
    schema: { operationId: 'create_user_api_key', summary: 'Create an API key (shown once)', description: 'Creates an API key for the user; the answer holds the key, which is never shown again.', tags, params: UserParams, querystring: Query, body: ApiKeyPrototype, response: { 201: ApiKeySchema, ...errorResponses } },
  }, async (request, reply) => {
    const { record, apikey } = await identity.createApiKey(request.params.id, request.body.name);
    return reply.code(201).send({ id: record.id, name: record.name, created_at: toTimestamp(record.createdAt), apikey });
  });

  app.delete('/v1/users/:id/api_keys/:key_id', { config: admin, schema: { operationId: 'delete_user_api_key', summary: 'Delete an API key', description: 'Deletes an API key; it can no longer be exchanged for tokens. Deleting a user\u2019s last API key ends their live VPN sessions: without a key they may not connect.', tags, params: KeyParams, querystring: Query, response: Deleted } }, async (request, reply) => {
    await identity.deleteApiKey(request.params.id, request.params.key_id, actorOf(request), auditLink(request));
    return reply.code(202).send();
  });
}
