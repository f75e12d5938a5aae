import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type } from 'typebox';
import { SluiceError } from '../../../errors/catalogue.ts';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { bearerOf, principalOf } from '../../auth.ts';
import { ErrorSchema } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import type { HttpLimits } from '../../limits/rate-limits.ts';
import { APIKEY_GRANT, TokenBody, TokenResponse, Passcode, IdentitySchema } from './schema.ts';
import { tokenResponse } from './presenter.ts';

const tags = ['Identity'];

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
