import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { GatewaySeries } from './gateway-series.ts';

/** What the scrape reads from elsewhere at scrape time. */
export interface ScrapeSources {
  subscribers(): number;
  pendingIntents(): Promise<{ count: number; oldestAt: number | null }>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The control plane's Prometheus registry: process-wide series (HTTP, store, retention, intents,
 * event streams, audit) and every gateway's own series. One per app, never prom-client's global
 * one, so several apps in one process (tests) do not collide.
 */
export class SluiceMetrics {
  readonly registry = new Registry();
  readonly gateways: GatewaySeries;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly httpDuration: Histogram<'route' | 'method'>;
  readonly storeQueries: Histogram<'kind'>;
  readonly sweepRuns: Counter<'outcome'>;
  readonly sweepDeleted: Counter<'kind'>;
  readonly intentDuration: Histogram<'intent'>;
  readonly auditWriteFailures: Counter;
  readonly singletonHeld: Gauge<'job'>;
  private sources: ScrapeSources | undefined;

  constructor(options: { defaultMetrics?: boolean; now?: () => number } = {}) {
    const registers = [this.registry];
    const now = options.now ?? Date.now;
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'sluice_' });
    this.gateways = new GatewaySeries(this.registry, now);
    this.httpRequests = new Counter({ name: 'sluice_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status.', labelNames: ['route', 'method', 'status'], registers });
    this.httpDuration = new Histogram({ name: 'sluice_http_request_duration_seconds', help: 'Time to answer an HTTP request, by route pattern and method.', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS, registers });
    this.storeQueries = new Histogram({ name: 'sluice_store_query_duration_seconds', help: 'Time of one store query, by kind (select, insert, update, delete, other).', labelNames: ['kind'], buckets: LATENCY_BUCKETS, registers });
    this.sweepRuns = new Counter({ name: 'sluice_retention_sweep_runs_total', help: 'Retention sweeps, by outcome (ok, failed).', labelNames: ['outcome'], registers });
    this.sweepDeleted = new Counter({ name: 'sluice_retention_deleted_rows_total', help: 'Rows the retention sweep deleted, by kind.', labelNames: ['kind'], registers });
    this.intentDuration = new Histogram({ name: 'sluice_intent_duration_seconds', help: 'From a disconnect or delete request to the session ending, by intent.', labelNames: ['intent'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 30, 60, 300], registers });
    this.auditWriteFailures = new Counter({ name: 'sluice_audit_write_failures_total', help: 'Audit events that could not be stored (the call was answered all the same; see the log).', registers });
    this.singletonHeld = new Gauge({ name: 'sluice_singleton_held', help: 'Whether this replica runs the job that must run on one replica at a time (1) or stands by (0), by job.', labelNames: ['job'], registers });
    const sources = (): ScrapeSources | undefined => this.sources;
    new Gauge({
      name: 'sluice_event_stream_subscribers',
      help: 'Open client event streams (server-sent events).',
      registers,
      collect(this: Gauge) {
        const from = sources();
        if (from) this.set(from.subscribers());
      },
    });
    let pending: Promise<{ count: number; oldestAt: number | null }> | undefined;
    // Both intent gauges come from one query per scrape.
    const intents = () => (pending ??= (sources()?.pendingIntents() ?? Promise.resolve({ count: 0, oldestAt: null })).finally(() => (pending = undefined)));
    new Gauge({
      name: 'sluice_pending_intents',
      help: 'Disconnect and delete requests not carried out yet (their session is still live).',
      registers,
      async collect(this: Gauge) {
        this.set((await intents()).count);
      },
    });
    new Gauge({
      name: 'sluice_pending_intent_oldest_age_seconds',
      help: 'Age of the oldest request not carried out yet; 0 when none is pending.',
      registers,
      async collect(this: Gauge) {
        const { oldestAt } = await intents();
        this.set(oldestAt === null ? 0 : Math.max(0, (now() - oldestAt) / 1000));
      },
    });
  }

  watch(sources: ScrapeSources): void {
    this.sources = sources;
  }

  /** Kysely's query log entry: a kind from the query node, the time in ms. */
  observeQuery(kind: string, ms: number): void {
    this.storeQueries.observe({ kind }, ms / 1000);
  }

  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
