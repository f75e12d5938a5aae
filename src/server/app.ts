import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import fastifyStatic from '@fastify/static';
import { SluiceError } from '../errors/catalogue.ts';
import { DEFAULT_LIMITS, type LimitsConfig } from '../config/limits.ts';
import { HttpLimits } from './limits/rate-limits.ts';
import { guardConnections, serverTimeouts, type ConnectionStats } from './limits/connections.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Open and refused connections of this server (see limits/connections.ts). */
    connectionStats: ConnectionStats;
  }
}
import { registerAuth } from './auth.ts';
import { registerBodyParsers } from './body-parsers.ts';
import { registerHostPolicy } from './hosts.ts';
import { registerSecurityHeaders } from './security-headers.ts';
import { ERRORS_DOC_PATH, sendError } from './errors.ts';
import { finishOpenApi } from './openapi.ts';
import { schemaCompiler } from './validation.ts';
import type { AppServices } from './services.ts';
import { registerVpnServerRoutes } from './resources/vpn-servers/routes.ts';
import { registerClientRoutes } from './resources/clients/routes.ts';
import { registerVpnServerRouteRoutes } from './resources/vpn-server-routes/routes.ts';
import { registerProfileRoutes } from './resources/profiles/routes.ts';
import { registerClientEventRoutes } from './resources/client-events/routes.ts';
import { registerCertificateRoutes } from './resources/certificates/routes.ts';
import { registerIdentityRoutes } from './resources/identity/routes.ts';
import { registerUserRoutes } from './resources/users/routes.ts';
import { registerLockoutRoutes } from './resources/lockouts/routes.ts';
import { registerGatewayRoutes } from './resources/gateways/routes.ts';
import { registerObservability, type ObservabilityOptions } from './observability.ts';

export interface AppOptions extends ObservabilityOptions {
  logger: FastifyServerOptions['logger'];
  /** Largest accepted request body, bytes. */
  bodyLimit?: number;
  trustProxy?: boolean;
  /** Directory of the built console; served at / when present. */
  consoleDir?: string;
  /** Origin hrefs are built on (`--public-url`); without it, a checked Host. */
  publicUrl?: string | undefined;
  /** Rates, connections and streams; the defaults are safe for a public endpoint. */
  limits?: LimitsConfig;
}

export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist', import.meta.url));
const ERRORS_DOC = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));

/** Secrets that must never reach a log line, wherever they appear in a request. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.body.apikey', 'req.body.refresh_token', 'req.body.password', 'req.body.join_token', 'req.body.credential'];

export async function buildApp(services: AppServices, options: AppOptions): Promise<FastifyInstance> {
  const limitsConfig = options.limits ?? DEFAULT_LIMITS;
  const loggerOption = options.logger === false || options.logger === undefined ? false : { ...(typeof options.logger === 'object' ? options.logger : {}), redact: REDACT };
  const app = Fastify({
    logger: loggerOption,
    bodyLimit: options.bodyLimit ?? 1_048_576,
    trustProxy: options.trustProxy ?? false,
    genReqId: () => randomUUID(),
    // One line per request instead of two (src/server/logging.ts).
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    ajv: { customOptions: {} },
    routerOptions: { maxParamLength: 200 },
    ...serverTimeouts(limitsConfig),
  });
  app.decorate('connectionStats', guardConnections(app.server, limitsConfig));
  registerHostPolicy(app, { publicUrl: options.publicUrl, ownHosts: [services.publicHost, services.listenHost] });
  app.setValidatorCompiler(schemaCompiler);
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) => sendError(request, reply, new SluiceError('not_found', `no route for ${request.method} ${request.url.split('?')[0]}`)));
  // Hooks on every request take a callback where they have nothing to wait for: an async one
  // costs a promise and a turn of the microtask queue per request.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('X-Request-Id', request.id);
    done(null, payload);
  });
  registerBodyParsers(app);
  registerSecurityHeaders(app);
  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Sluice VPN server API',
        version: '1.0.0',
        description: 'Client-to-site VPN servers, shaped after the IBM Cloud VPC vpn_servers API.',
        license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
        contact: { name: 'Sluice' },
      },
      servers: [{ url: '/' }],
      tags: [
        { name: 'Identity', description: 'Tokens (IAM-compatible), one-time passcodes and the caller\u2019s identity.' },
        { name: 'VPN servers', description: 'Client-to-site VPN servers and their client profiles (reference API).' },
        { name: 'VPN server clients', description: 'Client sessions of a VPN server: list, disconnect, delete, live events.' },
        { name: 'VPN server routes', description: 'Routes pushed to the clients of a VPN server (reference API).' },
        { name: 'Certificates', description: 'Sluice extension: the built-in certificate manager.' },
        { name: 'Users', description: 'Sluice extension: users, role bindings and API keys.' },
        { name: 'Audit events', description: 'Sluice extension: the audit trail of every state-changing call.' },
        { name: 'Gateways', description: 'Sluice extension: gateway hosts that run VPN servers, their join tokens and credentials.' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
  });
  registerAuth(app, services.identity);
  const limits = new HttpLimits(services.ctx, limitsConfig);
  await limits.register(app);
  registerObservability(app, services, options);

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await services.ctx.store.ping();
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => finishOpenApi(app.swagger()));
  // The catalogue every error's `more_info` links into; public like the OpenAPI document.
  app.get(ERRORS_DOC_PATH, { schema: { hide: true } }, async (_request, reply) => reply.type('text/markdown; charset=utf-8').send(readFileSync(ERRORS_DOC, 'utf8')));

  registerIdentityRoutes(app, services, limits);
  registerVpnServerRoutes(app, services);
  registerClientRoutes(app, services);
  registerClientEventRoutes(app, services, { perToken: limits.config.maxStreamsPerToken, perServer: limits.config.maxStreamsPerServer });
  registerVpnServerRouteRoutes(app, services);
  registerProfileRoutes(app, services);
  registerCertificateRoutes(app, services);
  registerUserRoutes(app, services);
  registerLockoutRoutes(app, services);
  registerGatewayRoutes(app, services, limits);

  const consoleDir = options.consoleDir ?? DEFAULT_CONSOLE_DIR;
  if (existsSync(consoleDir)) {
    await app.register(fastifyStatic, { root: consoleDir, prefix: '/', wildcard: false, index: 'index.html' });
    // Client-side routes of the console fall back to its index page; API paths keep their 404s.
    app.get('/*', { schema: { hide: true } }, (request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      if (path.startsWith('/v1') || path.startsWith('/identity') || path === '/metrics') throw new SluiceError('not_found', `no route for GET ${path}`);
      return reply.sendFile('index.html');
    });
  }
  return app;
}
