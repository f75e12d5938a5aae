import type { DomainContext } from '../context.ts';
import type { GatewayMetricsSnapshot, ServerSeries } from '../../gateway/metrics.ts';
import type { MonitoringSampleRow } from '../../store/schema.ts';
import { MINUTE_MS, upsertSamples } from '../../store/monitoring-samples.ts';

/** A gateway that has not reported for this long is no longer carried into new minutes. */
const STALE_MS = 3 * MINUTE_MS;

interface Seen {
  startedAt: number;
  series: ServerSeries;
  /** Control-plane time of the report. */
  at: number;
}

const failuresOf = (s: ServerSeries): number => s.auth.denied + s.auth.expired;
const disconnectsOf = (s: ServerSeries): number => Object.values(s.disconnects).reduce((a, b) => a + b, 0);

/**
 * Turns gateways' cumulative snapshots into the per-minute rows of the Monitoring tab: each
 * minute gets, per server and gateway, the peak of connected clients and what the counters grew
 * by. A gateway that restarted counts from zero again; one that was already running when this
 * control plane started counts from its first report, so its past is not dumped into one minute.
 * Rows are written by `flush` (every few seconds), each whole, so writing one again is harmless.
 */
export class MonitoringRecorder {
  private readonly seen = new Map<string, Seen>();
  private readonly rows = new Map<string, MonitoringSampleRow>();
  private readonly dirty = new Set<string>();

  constructor(
    private readonly ctx: DomainContext,
    private readonly startedAt: number,
  ) {}

  record(snapshot: GatewayMetricsSnapshot): void {
    const now = this.ctx.clock.now();
    for (const [serverId, series] of Object.entries(snapshot.servers)) {
      const key = `${snapshot.gateway}\u0000${serverId}`;
      const previous = this.seen.get(key);
      const fresh = previous === undefined || previous.startedAt !== snapshot.startedAt;
      const base = fresh ? (snapshot.startedAt >= this.startedAt - MINUTE_MS ? undefined : series) : previous.series;
      const grew = (read: (s: ServerSeries) => number): number => Math.max(0, read(series) - (base ? read(base) : 0));
      const row = this.rowFor(serverId, snapshot.gateway, now);
      row.connected = Math.max(row.connected, series.connected);
      row.connects += grew((s) => s.connects);
      row.disconnects += grew(disconnectsOf);
      row.auth_failures += grew(failuresOf);
      row.bytes_received += grew((s) => s.bytesReceived);
      row.bytes_sent += grew((s) => s.bytesSent);
      this.seen.set(key, { startedAt: snapshot.startedAt, series, at: now });
    }
  }

  /** Writes the minutes that changed; a live server gets its row each minute even when quiet. */
  async flush(): Promise<void> {
    const now = this.ctx.clock.now();
    for (const [key, seen] of this.seen) {
      if (now - seen.at > STALE_MS) {
        this.seen.delete(key);
        continue;
      }
      const [gateway = '', serverId = ''] = key.split('\u0000');
      const row = this.rowFor(serverId, gateway, now);
      row.connected = Math.max(row.connected, seen.series.connected);
    }
    const due = [...this.dirty].map((k) => this.rows.get(k)).filter((r): r is MonitoringSampleRow => r !== undefined);
    this.dirty.clear();
    const minute = now - (now % MINUTE_MS);
    for (const [k, row] of this.rows) if (row.at < minute) this.rows.delete(k);
    await upsertSamples(this.ctx.store.db, due.map((r) => ({ ...r })));
  }

  private rowFor(serverId: string, gateway: string, now: number): MonitoringSampleRow {
    const at = now - (now % MINUTE_MS);
    const key = `${serverId}\u0000${gateway}\u0000${at}`;
    let row = this.rows.get(key);
    if (!row) {
      row = { vpn_server_id: serverId, step_ms: MINUTE_MS, at, gateway, connected: 0, connects: 0, disconnects: 0, auth_failures: 0, bytes_received: 0, bytes_sent: 0 };
      this.rows.set(key, row);
    }
    this.dirty.add(key);
    return row;
  }
}
