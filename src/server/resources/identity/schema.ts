import { Type, type Static } from 'typebox';
import { Id, StringEnum, Timestamp, named } from '../../schemas.ts';
import { ROLES } from '../../../domain/identity/roles.ts';

export const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';

export const TOKEN = '^[!-~]+$';

export const TokenBody = named('TokenPrototype', Type.Object(
  {
    grant_type: Type.String({ pattern: '^[A-Za-z0-9:._-]+$', minLength: 1, maxLength: 128, description: `${APIKEY_GRANT} or refresh_token.` }),
    apikey: Type.Optional(Type.String({ pattern: TOKEN, minLength: 1, maxLength: 512, description: 'API key (apikey grant).' })),
    refresh_token: Type.Optional(Type.String({ pattern: TOKEN, minLength: 1, maxLength: 4096, description: 'Refresh token (refresh_token grant).' })),
    response_type: Type.Optional(Type.String({ pattern: '^[a-z_]+$', minLength: 1, maxLength: 64, description: 'Accepted and ignored.' })),
  },
  { description: 'IAM token request (form-encoded).' },
));

export const JWT = '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$';

export const TokenResponse = named('Token', Type.Object(
  {
    access_token: Type.String({ pattern: JWT, minLength: 16, maxLength: 8192, description: 'Bearer token for the API.' }),
    refresh_token: Type.String({ pattern: TOKEN, minLength: 16, maxLength: 8192, description: 'Token to get a new access token.' }),
    token_type: StringEnum(['Bearer'], 'Always Bearer.'),
    expires_in: Type.Integer({ minimum: 0, description: 'Seconds until the access token expires.' }),
    expiration: Type.Integer({ minimum: 0, description: 'Expiry as Unix seconds.' }),
  },
  {
    description: 'IAM token response.',
    example: { access_token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJyMDAxIn0.c2lnbmF0dXJl', refresh_token: 'eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJl', token_type: 'Bearer', expires_in: 3600, expiration: 1795000000 },
  },
));

export const Passcode = named('Passcode', Type.Object(
  {
    passcode: Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 8, maxLength: 128, description: 'Use once as the VPN password.' }),
    expires_at: Timestamp,
  },
  { description: 'A one-time passcode for VPN username authentication.', example: { passcode: 'q7Vd3kPz9Lm2XwRt', expires_at: '2026-11-25T17:32:07.000Z' } },
));

export const RoleBinding = named('RoleBinding', Type.Object(
  { role: StringEnum([...ROLES], 'Role.'), vpn_server_id: Type.Optional(Type.String({ ...Id, description: 'Only on this VPN server.' })) },
  { description: 'A role, account-wide or on one VPN server.' },
));

export const IdentitySchema = named('Identity', Type.Object(
  {
    id: Type.String({ ...Id, description: 'User id.' }),
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', minLength: 1, maxLength: 128, description: 'User ID.' }),
    account_id: Type.String({ pattern: '^[0-9a-f]+$', minLength: 1, maxLength: 64, description: 'Account id.' }),
    roles: Type.Array(RoleBinding, { minItems: 0, maxItems: 100, description: 'Role bindings.' }),
  },
  { description: 'The user a token speaks for.', example: { id: 'r001-1833f2e4-133b-459a-8489-60e6f82f21cb', name: 'admin', account_id: '2022ea3d7cfba8b41a61348eb2bfdfb6', roles: [{ role: 'Administrator' }] } },
));

// The wire types the typed client (src/client) reads, as types only.
export type TokenAnswer = Static<typeof TokenResponse>;
export type PasscodeAnswer = Static<typeof Passcode>;
export type Identity = Static<typeof IdentitySchema>;
