import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type, type Static } from 'typebox';
import { SluiceError } from '../../../errors/catalogue.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { TokenPair } from '../../../domain/identity/service.ts';
import { bearerOf, principalOf } from '../../auth.ts';
import { ErrorSchema, Id, StringEnum, Timestamp, named } from '../../schemas.ts';
import { ROLES } from '../../../domain/identity/roles.ts';
import type { AppServices } from '../../services.ts';
import type { HttpLimits } from '../../limits/rate-limits.ts';

const tags = ['Identity'];
const APIKEY_GRANT = 'urn:ibm:params:oauth:grant-type:apikey';

const TOKEN = '^[!-~]+$';
const TokenBody = named('TokenPrototype', Type.Object(
  {
    grant_type: Type.String({ pattern: '^[A-Za-z0-9:._-]+$', minLength: 1, maxLength: 128, description: `${APIKEY_GRANT} or refresh_token.` }),
    apikey: Type.Optional(Type.String({ pattern: TOKEN, minLength: 1, maxLength: 512, description: 'API key (apikey grant).' })),
    refresh_token: Type.Optional(Type.String({ pattern: TOKEN, minLength: 1, maxLength: 4096, description: 'Refresh token (refresh_token grant).' })),
    response_type: Type.Optional(Type.String({ pattern: '^[a-z_]+$', minLength: 1, maxLength: 64, description: 'Accepted and ignored.' })),
  },
  { description: 'IAM token request (form-encoded).' },
));

const JWT = '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$';
const TokenResponse = named('Token', Type.Object(
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
export type TokenAnswer = Static<typeof TokenResponse>;

const Passcode = named('Passcode', Type.Object(
  {
    passcode: Type.String({ pattern: '^[A-Za-z0-9_-]+$', minLength: 8, maxLength: 128, description: 'Use once as the VPN password.' }),
    expires_at: Timestamp,
  },
  { description: 'A one-time passcode for VPN username authentication.', example: { passcode: 'q7Vd3kPz9Lm2XwRt', expires_at: '2026-11-25T17:32:07.000Z' } },
));
export type PasscodeAnswer = Static<typeof Passcode>;

const RoleBinding = named('RoleBinding', Type.Object(
  { role: StringEnum([...ROLES], 'Role.'), vpn_server_id: Type.Optional(Type.String({ ...Id, description: 'Only on this VPN server.' })) },
  { description: 'A role, account-wide or on one VPN server.' },
));

const IdentitySchema = named('Identity', Type.Object(
  {
    id: Type.String({ ...Id, description: 'User id.' }),
    name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._@+-]*$', minLength: 1, maxLength: 128, description: 'User ID.' }),
    account_id: Type.String({ pattern: '^[0-9a-f]+$', minLength: 1, maxLength: 64, description: 'Account id.' }),
    roles: Type.Array(RoleBinding, { minItems: 0, maxItems: 100, description: 'Role bindings.' }),
  },
  { description: 'The user a token speaks for.', example: { id: 'r001-1833f2e4-133b-459a-8489-60e6f82f21cb', name: 'admin', account_id: '2022ea3d7cfba8b41a61348eb2bfdfb6', roles: [{ role: 'Administrator' }] } },
));
export type Identity = Static<typeof IdentitySchema>;

const tokenResponse = (pair: TokenPair, nowMs: number) => ({
  access_token: pair.access.token,
  refresh_token: pair.refresh.token,
  token_type: 'Bearer' as const,
  expires_in: pair.access.expiresAt - Math.floor(nowMs / 1000),
  expiration: pair.access.expiresAt,
});

/** Refuses while the caller's failure budget is spent; a refused key or token spends from it. */
async function countingFailures<T>(limits: HttpLimits, subjects: string[], attempt: () => Promise<T>): Promise<T> {
  await limits.keyFailures.check(subjects, 'API key or refresh token lookups');
  try {
    return await attempt();
  } catch (error) {
    if (error instanceof SluiceError && error.code === 'invalid_api_key') await limits.keyFailures.fail(subjects);
    throw error;
  }
}

export function registerIdentityRoutes(root: FastifyInstance, services: AppServices, limits: HttpLimits): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { identity, ctx } = services;

  app.post('/identity/token', {
    config: { rateLimit: limits.tokenGrants() },
    schema: {
      operationId: 'create_token',
      summary: 'Exchange an API key (or refresh token) for an access token',
      description: 'IAM-compatible token endpoint: form fields `grant_type` and `apikey` (or `refresh_token`). Needs no bearer token.',
      tags,
      security: [],
      consumes: ['application/x-www-form-urlencoded'],
      body: TokenBody,
      response: { 200: TokenResponse, 400: ErrorSchema, 429: ErrorSchema },
    },
  }, async (request) => {
    const body = request.body;
    if (body.grant_type === APIKEY_GRANT) {
      if (body.apikey === undefined) throw new SluiceError('missing_field', 'apikey is required for the apikey grant', { name: 'apikey', type: 'field' });
      const apikey = body.apikey;
      const pair = await countingFailures(limits, limits.keySubjects(request, apikey), () => identity.exchangeApiKey(apikey));
      request.auditSubject = pair.subject;
      return tokenResponse(pair, ctx.clock.now());
    }
    if (body.grant_type === 'refresh_token') {
      if (body.refresh_token === undefined) throw new SluiceError('missing_field', 'refresh_token is required for the refresh_token grant', { name: 'refresh_token', type: 'field' });
      const refreshToken = body.refresh_token;
      const pair = await countingFailures(limits, limits.keySubjects(request), () => identity.refresh(refreshToken));
      request.auditSubject = pair.subject;
      return tokenResponse(pair, ctx.clock.now());
    }
    throw new SluiceError('invalid_value', `grant_type must be ${APIKEY_GRANT} or refresh_token`, { name: 'grant_type', type: 'field', value: body.grant_type });
  });

  app.post('/identity/passcode', {
    config: { action: 'authenticated', rateLimit: limits.passcodes() },
    schema: {
      operationId: 'create_passcode',
      summary: 'Get a one-time passcode for VPN username authentication',
      description: 'Issues a passcode for the caller; it works for one VPN connection and expires after a few minutes.',
      tags,
      response: { 200: Passcode, 401: ErrorSchema, 429: ErrorSchema },
    },
  }, async (request) => {
    const { passcode, expiresAt } = await identity.issuePasscode(principalOf(request).userId);
    return { passcode, expires_at: toTimestamp(expiresAt) };
  });

  app.post('/identity/logout', {
    config: { action: 'authenticated' },
    schema: {
      operationId: 'logout',
      summary: 'End this sign-in on the server',
      description: 'Revokes the refresh token of the sign-in the bearer token belongs to and every access token issued with it, on every replica.',
      tags,
      response: { 204: Type.Null({ description: 'Signed out.' }), 401: ErrorSchema },
    },
  }, async (request, reply) => {
    await identity.logout(bearerOf(request));
    return reply.code(204).send();
  });

  app.get('/identity/me', {
    config: { action: 'authenticated' },
    schema: {
      operationId: 'get_identity',
      summary: 'Who the token speaks for',
      description: 'The caller\u2019s user, account and role bindings.',
      tags,
      response: { 200: IdentitySchema, 401: ErrorSchema },
    },
  }, async (request) => {
    const principal = principalOf(request);
    return {
      id: principal.userId,
      name: principal.userName,
      account_id: ctx.accountId,
      roles: principal.bindings.map((b) => (b.vpnServerId === null ? { role: b.role } : { role: b.role, vpn_server_id: b.vpnServerId })),
    };
  });
}
