import type { Logger } from 'pino';
import type { DomainContext } from '../domain/context.ts';
import { sweepExpiredClients, sweepOldEvents } from '../domain/clients/lifecycle.ts';
import { sweepAuditEvents } from '../domain/audit/retention.ts';
import { sweepMonitoring } from '../domain/monitoring/series.ts';
import { deleteExpiredPasscodes } from '../store/identity.ts';
import type { SluiceMetrics } from './metrics/registry.ts';

const DAY_MS = 86_400_000;
const CLIENT_EVENT_RETENTION_MS = 30 * DAY_MS;

export interface RetentionOptions {
  auditRetentionDays: number;
  monitoringRetentionDays: number;
}

/** One pass of every retention rule; counted in metrics by kind of row and by outcome. */
export async function sweepRetention(ctx: DomainContext, options: RetentionOptions, logger: Logger, metrics: SluiceMetrics | undefined): Promise<void> {
  try {
    const removed = await sweepExpiredClients(ctx);
    if (removed > 0) logger.info({ removed }, 'auto-deleted disconnected clients');
    await deleteExpiredPasscodes(ctx.store.db, ctx.clock.now());
    const deleted = {
      vpn_server_clients: removed,
      client_events: await sweepOldEvents(ctx, CLIENT_EVENT_RETENTION_MS),
      audit_events: await sweepAuditEvents(ctx, options.auditRetentionDays * DAY_MS),
      monitoring_samples: await sweepMonitoring(ctx, options.monitoringRetentionDays * DAY_MS),
    };
    for (const [kind, rows] of Object.entries(deleted)) metrics?.sweepDeleted.inc({ kind }, rows);
    metrics?.sweepRuns.inc({ outcome: 'ok' });
  } catch (error) {
    metrics?.sweepRuns.inc({ outcome: 'failed' });
    logger.error({ err: error }, 'retention sweep failed');
  }
}
