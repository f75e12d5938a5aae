import type { FastifyInstance } from 'fastify';
import type { AppServices } from './services.ts';
import { registerRequestLog } from './logging.ts';
import { registerAuditHook } from './audit/hook.ts';
import { registerHttpMetrics, registerMetricsRoute } from './metrics/http.ts';
import { SluiceMetrics } from './metrics/registry.ts';
import { readinessProbe, registerReadiness } from './readiness.ts';
import { pendingIntentSummary } from '../store/observability.ts';
import { registerAuditEventRoutes } from './resources/audit-events/routes.ts';
import { registerMonitoringRoutes } from './resources/monitoring/routes.ts';

export interface ObservabilityOptions {
  /** Record state-changing calls in the audit trail (default true; off only to measure its cost). */
  audit?: boolean;
  /** Collect request metrics (default true; `--metrics off` turns collection off). */
  metrics?: boolean;
  /** Serve /metrics on this app, behind a token (default true; false with --metrics-listen or --metrics off). */
  metricsRoute?: boolean;
}

/**
 * Everything an operator watches the service by: one log line per request, request metrics,
 * the audit trail (hook and routes), /metrics, /readyz and the monitoring time-series.
 */
export function registerObservability(app: FastifyInstance, services: AppServices, options: ObservabilityOptions): SluiceMetrics {
  const metrics = services.metrics ?? new SluiceMetrics({ now: () => services.ctx.clock.now() });
  const { ctx } = services;
  metrics.watch({ subscribers: () => ctx.bus.subscriberCount(), pendingIntents: () => pendingIntentSummary(ctx.store.db) });
  registerRequestLog(app);
  if (options.metrics ?? true) registerHttpMetrics(app, metrics);
  registerAuditHook(app, ctx, { enabled: options.audit ?? true, onFailure: () => metrics.auditWriteFailures.inc() });
  if ((options.metrics ?? true) && (options.metricsRoute ?? true)) registerMetricsRoute(app, metrics, true);
  registerReadiness(app, services.readiness ?? readinessProbe(ctx.store, undefined));
  registerAuditEventRoutes(app, services);
  registerMonitoringRoutes(app, services);
  return metrics;
}
