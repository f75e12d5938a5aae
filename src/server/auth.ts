import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SluiceError, paramError } from '../errors/catalogue.ts';
import { can, type Action, type Principal } from '../domain/identity/roles.ts';
import type { IdentityService } from '../domain/identity/service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The action this route performs; every /v1 route must name one. */
    action?: Action | 'authenticated';
    /** Path parameter holding the VPN server id, for per-server role bindings. */
    serverParam?: string;
  }
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The principal of an authenticated route; the auth hook guarantees it is set. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new SluiceError('not_authenticated', 'no bearer token was presented');
  return request.principal;
}

/** The bearer token of an authenticated request (the auth hook has checked it). */
export function bearerOf(request: FastifyRequest): string {
  const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (!token) throw new SluiceError('not_authenticated', 'an Authorization: Bearer <token> header is required', { name: 'Authorization', type: 'header' });
  return token;
}

export const actorOf = (request: FastifyRequest): string => principalOf(request).userName;

function requireVersion(request: FastifyRequest): void {
  const query = request.query as Record<string, unknown> | undefined;
  const version = query?.version;
  if (version === undefined) throw paramError('version_missing', 'version', 'the version query parameter is required (YYYY-MM-DD)');
  const text = String(version);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
    throw paramError('version_missing', 'version', 'version must be a date in the form YYYY-MM-DD', text);
  }
}

/**
 * Every route under /v1 is closed by default: a route that forgets to name its action is refused,
 * so a new endpoint cannot ship open by accident.
 */
export function registerAuth(app: FastifyInstance, identity: IdentityService): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    const underV1 = request.url.startsWith('/v1/') || request.url === '/v1';
    if (!underV1 && config.action === undefined) return;
    // Unknown paths fall through to the not-found handler, which answers 404 without a token.
    if (request.routeOptions.url === undefined) return;
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match?.[1]) throw new SluiceError('not_authenticated', 'an Authorization: Bearer <token> header is required', { name: 'Authorization', type: 'header' });
    const principal = await identity.authenticate(match[1]);
    request.principal = principal;
    const action = config.action;
    if (action === undefined) throw new SluiceError('not_authorized', 'this route has no access rule');
    if (action === 'authenticated') return;
    const params = request.params as Record<string, string> | undefined;
    const serverId = config.serverParam ? params?.[config.serverParam] : undefined;
    if (!can(principal, action, serverId)) {
      throw new SluiceError('not_authorized', `your roles do not allow ${action}${serverId ? ` on VPN server ${serverId}` : ''}`);
    }
  });
  // Nothing to wait for: a callback hook spares a promise per request; a throw is Fastify's to catch.
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.url.startsWith('/v1/')) requireVersion(request);
    done();
  });
}
