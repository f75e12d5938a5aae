import autocannon from 'autocannon';
import type { Summary } from './stats.ts';

export interface LoadResult {
  requestsPerSecond: Summary;
  latencyMs: Summary;
  non2xx: number;
  errors: number;
}

/**
 * One autocannon run. Throughput is summarised over its per-second samples, latency over every
 * request. For throughput the "p95"/"p99" columns carry the slow tail (p2.5, p1 of the seconds);
 * autocannon's latency histogram has no p95, so that column carries p97.5.
 */
export async function load(url: string, headers: Record<string, string>, seconds: number, connections = 50): Promise<LoadResult> {
  const result = await autocannon({ url, headers, connections, duration: seconds });
  const { requests: r, latency: l } = result;
  return {
    requestsPerSecond: { n: seconds, median: r.p50, p95: r.p2_5, p99: r.p1, min: r.min, max: r.max },
    latencyMs: { n: result.requests.total, median: l.p50, p95: l.p97_5, p99: l.p99, min: l.min, max: l.max },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
