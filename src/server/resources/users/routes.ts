import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { ROLES, type RoleBinding } from '../../../domain/identity/roles.ts';
import type { User } from '../../../store/identity.ts';
import { actorOf } from '../../auth.ts';
import { Id, VersionQuery, errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';

const tags = ['Users'];
const UserName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', description: 'User ID (also the VPN username).' });
const RoleInput = Type.Object(
  { role: Type.Union(ROLES.map((r) => Type.Literal(r)), { description: 'Role.' }), vpn_server_id: Type.Optional(Id) },
  { additionalProperties: false, description: 'A role, account-wide or on one VPN server.' },
);
const Roles = Type.Array(RoleInput, { maxItems: 100, description: 'Role bindings.' });
const Query = Type.Object(VersionQuery);
const UserParams = Type.Object({ id: Id });
const KeyParams = Type.Object({ id: Id, key_id: Id });

const RoleOutput = Type.Object({ role: Type.String({ description: 'Role.' }), vpn_server_id: Type.Optional(Type.String({ description: 'Only on this VPN server.' })) });
const UserSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ description: 'User ID.' }),
    disabled: Type.Boolean({ description: 'A disabled user cannot get tokens or connect.' }),
    created_at: Type.String({ format: 'date-time', description: 'Creation time.' }),
    roles: Type.Array(RoleOutput, { description: 'Role bindings.' }),
  },
  { description: 'A user.' },
);
const ApiKeySchema = Type.Object(
  { id: Id, name: Type.String({ description: 'Label.' }), created_at: Type.String({ format: 'date-time', description: 'Creation time.' }), apikey: Type.Optional(Type.String({ description: 'The key; only in the create response.' })) },
  { description: 'An API key.' },
);
const Deleted = { 202: Type.Null({ description: 'Deleted.' }), ...errorResponses };

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

  app.get('/v1/users', { config: admin, schema: { operationId: 'list_users', summary: 'List users', tags, querystring: Query, response: { 200: Type.Object({ users: Type.Array(UserSchema) }), ...errorResponses } } }, async () => {
    const users = await identity.listUsers();
    return { users: await Promise.all(users.map(async (u) => presentUser(u, (await identity.getUser(u.id)).bindings))) };
  });

  app.post('/v1/users', {
    config: admin,
    schema: { operationId: 'create_user', summary: 'Create a user', tags, querystring: Query, body: Type.Object({ name: UserName, roles: Type.Optional(Roles) }, { additionalProperties: false }), response: { 201: UserSchema, ...errorResponses } },
  }, async (request, reply) => {
    const bindings = toBindings(request.body.roles ?? []);
    const user = await identity.createUser(request.body.name, bindings);
    return reply.code(201).send(presentUser(user, bindings));
  });

  app.get('/v1/users/:id', { config: admin, schema: { operationId: 'get_user', summary: 'Get a user', tags, params: UserParams, querystring: Query, response: { 200: UserSchema, ...errorResponses } } }, async (request) => {
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
      body: Type.Object({ disabled: Type.Optional(Type.Boolean()), roles: Type.Optional(Roles) }, { additionalProperties: false }),
      response: { 200: UserSchema, ...errorResponses },
    },
  }, async (request) => {
    const changes = {
      ...(request.body.disabled !== undefined && { disabled: request.body.disabled }),
      ...(request.body.roles !== undefined && { bindings: toBindings(request.body.roles) }),
    };
    await identity.updateUser(request.params.id, changes, actorOf(request));
    const { user, bindings } = await identity.getUser(request.params.id);
    return presentUser(user, bindings);
  });

  app.delete('/v1/users/:id', { config: admin, schema: { operationId: 'delete_user', summary: 'Delete a user', tags, params: UserParams, querystring: Query, response: Deleted } }, async (request, reply) => {
    await identity.deleteUser(request.params.id, actorOf(request));
    return reply.code(202).send();
  });

  app.get('/v1/users/:id/api_keys', { config: admin, schema: { operationId: 'list_api_keys', summary: 'List API keys of a user', tags, params: UserParams, querystring: Query, response: { 200: Type.Object({ api_keys: Type.Array(ApiKeySchema) }), ...errorResponses } } }, async (request) => {
    const keys = await identity.listApiKeys(request.params.id);
    return { api_keys: keys.map((k) => ({ id: k.id, name: k.name, created_at: toTimestamp(k.createdAt) })) };
  });

  app.post('/v1/users/:id/api_keys', {
    config: admin,
    schema: { operationId: 'create_api_key', summary: 'Create an API key (shown once)', tags, params: UserParams, querystring: Query, body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }), response: { 201: ApiKeySchema, ...errorResponses } },
  }, async (request, reply) => {
    const { record, apikey } = await identity.createApiKey(request.params.id, request.body.name);
    return reply.code(201).send({ id: record.id, name: record.name, created_at: toTimestamp(record.createdAt), apikey });
  });

  app.delete('/v1/users/:id/api_keys/:key_id', { config: admin, schema: { operationId: 'delete_api_key', summary: 'Delete an API key', description: 'Deleting a user\u2019s last API key ends their live VPN sessions: without a key they may not connect.', tags, params: KeyParams, querystring: Query, response: Deleted } }, async (request, reply) => {
    await identity.deleteApiKey(request.params.id, request.params.key_id, actorOf(request));
    return reply.code(202).send();
  });
}
