import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { ROLES, type RoleBinding } from '../../../domain/identity/roles.ts';
import type { User } from '../../../store/identity.ts';
import { actorOf } from '../../auth.ts';
import { auditLink } from '../../audit/hook.ts';
import { Accepted, Id, Name, StringEnum, Timestamp, VersionQuery, errorResponses, named } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';

const tags = ['Users'];
const USER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@+-]*$';
const UserName = Type.String({ minLength: 1, maxLength: 128, pattern: USER_NAME_PATTERN, description: 'User ID (also the VPN username).' });
const RoleInput = named('RoleBindingPrototype', Type.Object(
  { role: StringEnum([...ROLES], 'Role.'), vpn_server_id: Type.Optional(Type.String({ ...Id, description: 'Only on this VPN server.' })) },
  { additionalProperties: false, description: 'A role, account-wide or on one VPN server.' },
));
const Roles = Type.Array(RoleInput, { minItems: 0, maxItems: 100, description: 'Role bindings.' });
const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });
const UserId = Type.String({ ...Id, description: 'The user identifier.' });
const UserParams = Type.Object({ id: UserId }, { description: 'Path parameters.' });
const KeyParams = Type.Object({ id: UserId, key_id: Type.String({ ...Id, description: 'The API key identifier.' }) }, { description: 'Path parameters.' });

const USER = 'r001-1833f2e4-133b-459a-8489-60e6f82f21cb';
const USER_EXAMPLE = { id: USER, name: 'alice@example.com', disabled: false, created_at: '2026-11-25T17:20:00.000Z', roles: [{ role: 'VPNClient' }] };
const API_KEY_EXAMPLE = { id: 'r001-9d1c7a4e-6f0b-4e2d-8a3c-5b7e9f1d2c4a', name: 'laptop', created_at: '2026-11-25T17:21:00.000Z', apikey: 'Xq3vN8d2Lk5sP0wR7tY1uB4eG6hJ9mZc2aF8kD0pQ1s' };

const RoleOutput = named('RoleBinding', Type.Object(
  { role: StringEnum([...ROLES], 'Role.'), vpn_server_id: Type.Optional(Type.String({ ...Id, description: 'Only on this VPN server.' })) },
  { description: 'A role, account-wide or on one VPN server.' },
));
const UserSchema = named('User', Type.Object(
  {
    id: Id,
    name: UserName,
    disabled: Type.Boolean({ description: 'A disabled user cannot get tokens or connect.' }),
    created_at: Timestamp,
    roles: Type.Array(RoleOutput, { minItems: 0, maxItems: 100, description: 'Role bindings.' }),
  },
  { description: 'A user.', example: USER_EXAMPLE },
));
const UserCollection = named('UserCollection', Type.Object(
  { users: Type.Array(UserSchema, { minItems: 0, maxItems: 100_000, description: 'Every user.' }) },
  { description: 'Users.', example: { users: [USER_EXAMPLE] } },
));
const UserPrototype = named('UserPrototype', Type.Object({ name: UserName, roles: Type.Optional(Roles) }, { additionalProperties: false, description: 'A new user.' }));
const UserPatch = named('UserPatch', Type.Object(
  { disabled: Type.Optional(Type.Boolean({ description: 'Disable (true) or enable (false) the user.' })), roles: Type.Optional(Roles) },
  { additionalProperties: false, description: 'User patch (JSON merge patch); `roles` replaces every binding.' },
));
const ApiKeySchema = named('ApiKey', Type.Object(
  {
    id: Id,
    name: Type.String({ ...Name, description: 'Label.' }),
    created_at: Timestamp,
    apikey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 16, maxLength: 512, description: 'The key; only in the create response.' })),
  },
  { description: 'An API key.', example: API_KEY_EXAMPLE },
));
const ApiKeyCollection = named('ApiKeyCollection', Type.Object(
  { api_keys: Type.Array(ApiKeySchema, { minItems: 0, maxItems: 10_000, description: 'The user\u2019s API keys (never the keys themselves).' }) },
  { description: 'API keys.', example: { api_keys: [{ id: API_KEY_EXAMPLE.id, name: API_KEY_EXAMPLE.name, created_at: API_KEY_EXAMPLE.created_at }] } },
));
const ApiKeyPrototype = named('ApiKeyPrototype', Type.Object({ name: Type.String({ ...Name, description: 'Label of the key.' }) }, { additionalProperties: false, description: 'A new API key.' }));
const Deleted = { 202: Accepted('Deleted.'), ...errorResponses };

const toBindings = (roles: { role: RoleBinding['role']; vpn_server_id?: string | undefined }[]): RoleBinding[] =>
  roles.map((r) => ({ role: r.role, vpnServerId: r.vpn_server_id ?? null }));

const presentUser = (user: User, bindings: RoleBinding[]) => ({
  id: user.id,
  name: user.name,
  disabled: user.disabled,
  created_at: toTimestamp(user.createdAt),
  roles: bindings.map((b) => (b.vpnServerId === null ? { role: b.role } : { role: b.role, vpn_server_id: b.vpnServerId })),
});

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
