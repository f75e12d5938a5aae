import type { Logger } from 'pino';
import type { DomainContext } from '../domain/context.ts';
import { sweepExpiredClients, sweepOldEvents } from '../domain/clients/lifecycle.ts';
import { sweepAuditEvents } from '../domain/audit/retention.ts';
import { sweepMonitoring } from '../domain/monitoring/series.ts';
import { deleteExpiredPasscodes } from '../store/identity.ts';
import { deleteExpiredTokenFamilies } from '../store/token-families.ts';
import { deleteEndedCounters } from '../store/rate-limits.ts';
import type { SluiceMetrics } from './metrics/registry.ts';

const DAY_MS = 86_400_000;
const CLIENT_EVENT_RETENTION_MS = 30 * DAY_MS;

export interface RetentionOptions {
  auditRetentionDays: number;
  monitoringRetentionDays: number;
  /** Deleted certificates stay on their CRL until they expire; then their rows go. */
  purgeDeletedCertificates(): Promise<number>;
}

/** One pass of every retention rule; counted in metrics by kind of row and by outcome. */
export async function sweepRetention(ctx: DomainContext, options: RetentionOptions, logger: Logger, metrics: SluiceMetrics | undefined): Promise<void> {
  try {
    const removed = await sweepExpiredClients(ctx);
    if (removed > 0) logger.info({ removed }, 'auto-deleted disconnected clients');
    const now = ctx.clock.now();
    await deleteExpiredPasscodes(ctx.store.db, now);
    await deleteExpiredTokenFamilies(ctx.store.db, now);
    await deleteEndedCounters(ctx.store.db, now);
    const deleted = {
      vpn_server_clients: removed,
      client_events: await sweepOldEvents(ctx, CLIENT_EVENT_RETENTION_MS),
      audit_events: await sweepAuditEvents(ctx, options.auditRetentionDays * DAY_MS),
      monitoring_samples: await sweepMonitoring(ctx, options.monitoringRetentionDays * DAY_MS),
      certificates: await options.purgeDeletedCertificates(),
    };
    for (const [kind, rows] of Object.entries(deleted)) metrics?.sweepDeleted.inc({ kind }, rows);
    metrics?.sweepRuns.inc({ outcome: 'ok' });
  } catch (error) {
    metrics?.sweepRuns.inc({ outcome: 'failed' });
    logger.error({ err: error }, 'retention sweep failed');
  }
}
