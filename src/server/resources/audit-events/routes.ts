import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { getAuditEvent, listAuditTrail } from '../../../domain/audit/reads.ts';
import { parseSort } from '../../../store/pagination.ts';
import { baseUrl, collectionOf, DEFAULT_LIMIT } from '../../paging.ts';
import { errorResponses } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';
import { AuditEventSchema, AuditEventCollection, SORTS, ListQuery, Params, Query } from './schema.ts';
import { presentAuditEvent } from './presenter.ts';

const tags = ['Audit events'];

/** The audit trail (Administrator): every state-changing call, newest first, filtered and paged. */
export function registerAuditEventRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx } = services;
  const config = { action: 'audit.read' as const };

  app.get('/v1/audit_events', {
    config,
    schema: { operationId: 'list_audit_events', summary: 'List audit events', description: 'Every state-changing API call with who, what, when and its outcome, newest first; filter by time, actor, target, operation and outcome.', tags, querystring: ListQuery, response: { 200: AuditEventCollection, ...errorResponses } },
  }, async (request) => {
    const q = request.query;
    const sort = parseSort(q.sort, SORTS, { column: 'created_at', direction: 'desc' });
    const limit = q.limit ?? DEFAULT_LIMIT;
    const filter = {
      ...(q.since !== undefined && { since: Date.parse(q.since) }),
      ...(q.until !== undefined && { until: Date.parse(q.until) }),
      ...(q.actor !== undefined && { actor: q.actor }),
      ...(q.target !== undefined && { target: q.target }),
      ...(q.operation !== undefined && { operation: q.operation }),
      ...(q.outcome !== undefined && { outcome: q.outcome }),
    };
    const page = await listAuditTrail(ctx, filter, { column: 'at', direction: sort.direction }, limit, q.start);
    const base = baseUrl(request);
    return collectionOf(request, 'audit_events', page, limit, (e) => presentAuditEvent(e, base));
  });

  app.get('/v1/audit_events/:id', {
    config,
    schema: { operationId: 'get_audit_event', summary: 'Get an audit event', description: 'Retrieves one audit event (a client event\u2019s `audit_event_id` names one).', tags, params: Params, querystring: Query, response: { 200: AuditEventSchema, ...errorResponses } },
  }, async (request) => {
    return presentAuditEvent(await getAuditEvent(ctx, request.params.id), baseUrl(request));
  });
}
