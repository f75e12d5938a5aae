import type { DomainContext } from '../context.ts';
import { deleteAuditEventsBefore } from '../../store/audit-events.ts';

/** The audit trail is kept for a configured time (90 days by default), then deleted. */
export function sweepAuditEvents(ctx: DomainContext, keepMs: number): Promise<number> {
  return deleteAuditEventsBefore(ctx.store.db, ctx.clock.now() - keepMs);
}
