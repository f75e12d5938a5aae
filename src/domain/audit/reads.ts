import { notFound } from '../../errors/catalogue.ts';
import { findAuditEvent, listAuditEvents } from '../../store/audit-events.ts';
import type { Page, SortSpec } from '../../store/pagination.ts';
import type { DomainContext } from '../context.ts';
import type { AuditEvent, AuditFilter } from './model.ts';

/** One page of the audit trail, filtered, in time order. */
export function listAuditTrail(ctx: DomainContext, filter: AuditFilter, sort: SortSpec<'at'>, limit: number, start: string | undefined): Promise<Page<AuditEvent>> {
  return listAuditEvents(ctx.store.db, filter, sort, limit, start);
}

export async function getAuditEvent(ctx: DomainContext, id: string): Promise<AuditEvent> {
  const event = await findAuditEvent(ctx.store.db, id);
  if (!event) throw notFound('audit event', id);
  return event;
}
