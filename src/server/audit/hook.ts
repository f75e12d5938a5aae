import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newId } from '../../domain/shared/ids.ts';
import { outcomeOf, type AuditEvent, type AuditTarget } from '../../domain/audit/model.ts';
import type { IntentOrigin } from '../../domain/clients/model.ts';
import type { DomainContext } from '../../domain/context.ts';
import { AuditWriter } from '../../domain/audit/writer.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Id of this call's audit event, assigned when first asked for (see auditLink). */
    auditEventId: string | null;
    /** Who a call without a bearer token turned out to be (the token exchange sets it). */
    auditSubject: { userId: string; apiKeyId: string } | null;
  }
}

/** Every call with one of these methods on a documented route (one with an operation id) is audited. */
export const AUDITED_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Path segment of a collection → the resource type of its members. */
const RESOURCE_TYPES: Record<string, string> = {
  vpn_servers: 'vpn_server',
  clients: 'vpn_server_client',
  routes: 'vpn_server_route',
  certificates: 'certificate',
  users: 'user',
  api_keys: 'api_key',
  audit_events: 'audit_event',
  gateways: 'gateway',
};

export const operationOf = (request: FastifyRequest): string | undefined => {
  const id = (request.routeOptions.schema as { operationId?: unknown } | undefined)?.operationId;
  return typeof id === 'string' ? id : undefined;
};

export const auditEventIdOf = (request: FastifyRequest): string => (request.auditEventId ??= newId());

/** What a domain change done for this call records, so its client events link to the audit event. */
export const auditLink = (request: FastifyRequest): IntentOrigin => ({ auditEventId: auditEventIdOf(request) });

/**
 * The resource a call acts on, read from the route pattern: the last `:param` names it (with the
 * collection before it giving its type); a POST to a collection creates one, whose id the 201
 * answer carries. `/identity/token` and the like name their last segment.
 */
export function targetOf(routeUrl: string, params: Record<string, string>, created: string | undefined): AuditTarget {
  const segments = routeUrl.split('/').filter((s) => s !== '' && s !== 'v1');
  let type: string | undefined;
  let id: string | null = null;
  let vpnServerId: string | null = null;
  segments.forEach((segment, index) => {
    const collection = segments[index - 1] ?? '';
    if (segment.startsWith(':')) {
      type = RESOURCE_TYPES[collection] ?? collection;
      id = params[segment.slice(1)] ?? null;
      if (collection === 'vpn_servers') vpnServerId = id;
    } else if (index === segments.length - 1 && RESOURCE_TYPES[segment]) {
      type = RESOURCE_TYPES[segment];
      id = created ?? null;
      if (segment === 'vpn_servers') vpnServerId = id;
    }
  });
  return { type: type ?? segments.at(-1) ?? 'unknown', id, vpnServerId };
}

function jsonField(payload: unknown, read: (body: Record<string, unknown>) => unknown): string | undefined {
  if (typeof payload !== 'string' || !payload.startsWith('{')) return undefined;
  try {
    const value = read(JSON.parse(payload) as Record<string, unknown>);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export function auditEventFor(request: FastifyRequest, statusCode: number, operation: string, payload: unknown, at: number): AuditEvent {
  const principal = request.principal;
  const subject = request.auditSubject;
  const created = statusCode === 201 ? jsonField(payload, (b) => b.id) : undefined;
  const errorCode = statusCode >= 400 ? jsonField(payload, (b) => (b.errors as { code?: unknown }[] | undefined)?.[0]?.code) : undefined;
  return {
    id: auditEventIdOf(request),
    at,
    requestId: request.id,
    operation,
    method: request.method,
    path: (request.url.split('?')[0] ?? '').slice(0, 2048),
    target: targetOf(request.routeOptions.url ?? '', (request.params ?? {}) as Record<string, string>, created),
    actor: {
      userId: principal?.userId ?? subject?.userId ?? null,
      userName: principal?.userName ?? null,
      apiKeyId: principal?.apiKeyId ?? subject?.apiKeyId ?? null,
      address: request.ip,
    },
    outcome: outcomeOf(statusCode),
    statusCode,
    errorCode: errorCode ?? null,
  };
}

/**
 * Records every state-changing call — answered, refused or failed — in one place, keyed by the
 * route's operation id, before the answer leaves: a call is in the trail when its caller hears back.
 * A store that cannot take the event does not turn a done change into an error; it is logged and
 * counted instead.
 */
export function registerAuditHook(app: FastifyInstance, ctx: DomainContext, options: { enabled: boolean; onFailure(): void }): void {
  app.decorateRequest('auditEventId', null);
  app.decorateRequest('auditSubject', null);
  const onFailure = options.onFailure;
  // Off only where its cost is measured (bench/); `sluice serve` has no switch for it.
  if (!options.enabled) return;
  const writer = new AuditWriter(() => ctx.store.db);
  app.addHook('onSend', async (request, reply, payload) => {
    const operation = operationOf(request);
    if (operation === undefined || !AUDITED_METHODS.has(request.method)) return payload;
    const event = auditEventFor(request, reply.statusCode, operation, payload, ctx.clock.now());
    try {
      await writer.write(event);
    } catch (error) {
      onFailure();
      request.log.error({ err: error, auditEventId: event.id, operation }, 'audit event could not be stored');
    }
    return payload;
  });
}
