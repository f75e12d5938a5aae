import Fastify, { type FastifyInstance } from 'fastify';
import type { SluiceMetrics } from './registry.ts';

/** Requests by route pattern (never the concrete path: ids would make series without bound). */
export function registerHttpMetrics(app: FastifyInstance, metrics: SluiceMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ route, method: request.method, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ route, method: request.method }, reply.elapsedTime / 1000);
    done();
  });
}

/** GET /metrics in the Prometheus text format; on the API port it needs a token with MetricsReader. */
export function registerMetricsRoute(app: FastifyInstance, metrics: SluiceMetrics, guarded: boolean): void {
  app.get('/metrics', { schema: { hide: true }, ...(guarded && { config: { action: 'metrics.read' as const } }) }, async (_request, reply) => {
    const text = await metrics.exposition();
    return reply.type(metrics.contentType).send(text);
  });
}

/**
 * `--metrics-listen`: /metrics alone on its own address, without a token, for a scraper on a
 * private network. Nothing else is served there.
 */
export async function startMetricsListener(metrics: SluiceMetrics, host: string, port: number): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  registerMetricsRoute(app, metrics, false);
  const url = await app.listen({ host, port });
  return { url, close: () => app.close() };
}
