import { Type } from 'typebox';
import { ROLES } from '../../../domain/identity/roles.ts';
import { Accepted, Id, Name, StringEnum, Timestamp, VersionQuery, errorResponses, named } from '../../schemas.ts';

export const USER_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@+-]*$';

export const UserName = Type.String({ minLength: 1, maxLength: 128, pattern: USER_NAME_PATTERN, description: 'User ID (also the VPN username).' });

export const RoleInput = named('RoleBindingPrototype', Type.Object(
  { role: StringEnum([...ROLES], 'Role.'), vpn_server_id: Type.Optional(Type.String({ ...Id, description: 'Only on this VPN server.' })) },
  { additionalProperties: false, description: 'A role, account-wide or on one VPN server.' },
));

export const Roles = Type.Array(RoleInput, { minItems: 0, maxItems: 100, description: 'Role bindings.' });

export const Query = Type.Object(VersionQuery, { description: 'Version parameters.' });

export const UserId = Type.String({ ...Id, description: 'The user identifier.' });

export const UserParams = Type.Object({ id: UserId }, { description: 'Path parameters.' });

export const KeyParams = Type.Object({ id: UserId, key_id: Type.String({ ...Id, description: 'The API key identifier.' }) }, { description: 'Path parameters.' });

export const USER = 'r001-1833f2e4-133b-459a-8489-60e6f82f21cb';

export const USER_EXAMPLE = { id: USER, name: 'alice@example.com', disabled: false, created_at: '2026-11-25T17:20:00.000Z', roles: [{ role: 'VPNClient' }] };

export const API_KEY_EXAMPLE = { id: 'r001-9d1c7a4e-6f0b-4e2d-8a3c-5b7e9f1d2c4a', name: 'laptop', created_at: '2026-11-25T17:21:00.000Z', apikey: 'Xq3vN8d2Lk5sP0wR7tY1uB4eG6hJ9mZc2aF8kD0pQ1s' };

export const RoleOutput = named('RoleBinding', Type.Object(
  { role: StringEnum([...ROLES], 'Role.'), vpn_server_id: Type.Optional(Type.String({ ...Id, description: 'Only on this VPN server.' })) },
  { description: 'A role, account-wide or on one VPN server.' },
));

export const UserSchema = named('User', Type.Object(
  {
    id: Id,
    name: UserName,
    disabled: Type.Boolean({ description: 'A disabled user cannot get tokens or connect.' }),
    created_at: Timestamp,
    roles: Type.Array(RoleOutput, { minItems: 0, maxItems: 100, description: 'Role bindings.' }),
  },
  { description: 'A user.', example: USER_EXAMPLE },
));

export const UserCollection = named('UserCollection', Type.Object(
  { users: Type.Array(UserSchema, { minItems: 0, maxItems: 100_000, description: 'Every user.' }) },
  { description: 'Users.', example: { users: [USER_EXAMPLE] } },
));

export const UserPrototype = named('UserPrototype', Type.Object({ name: UserName, roles: Type.Optional(Roles) }, { additionalProperties: false, description: 'A new user.' }));

export const UserPatch = named('UserPatch', Type.Object(
  { disabled: Type.Optional(Type.Boolean({ description: 'Disable (true) or enable (false) the user.' })), roles: Type.Optional(Roles) },
  { additionalProperties: false, description: 'User patch (JSON merge patch); `roles` replaces every binding.' },
));

export const ApiKeySchema = named('ApiKey', Type.Object(
  {
    id: Id,
    name: Type.String({ ...Name, description: 'Label.' }),
    created_at: Timestamp,
    apikey: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 16, maxLength: 512, description: 'The key; only in the create response.' })),
  },
  { description: 'An API key.', example: API_KEY_EXAMPLE },
));

export const ApiKeyCollection = named('ApiKeyCollection', Type.Object(
  { api_keys: Type.Array(ApiKeySchema, { minItems: 0, maxItems: 10_000, description: 'The user\u2019s API keys (never the keys themselves).' }) },
  { description: 'API keys.', example: { api_keys: [{ id: API_KEY_EXAMPLE.id, name: API_KEY_EXAMPLE.name, created_at: API_KEY_EXAMPLE.created_at }] } },
));

export const ApiKeyPrototype = named('ApiKeyPrototype', Type.Object({ name: Type.String({ ...Name, description: 'Label of the key.' }) }, { additionalProperties: false, description: 'A new API key.' }));

export const Deleted = { 202: Accepted('Deleted.'), ...errorResponses };
