import type { DomainContext } from '../context.ts';
import type { MonitoringSampleRow } from '../../store/schema.ts';
import { HOUR_MS, MINUTE_MS, deleteSamplesBefore, readSamples, rollUpHours, rolledUpUntil } from '../../store/monitoring-samples.ts';

export const MONITORING_WINDOWS = ['1h', '24h', '7d'] as const;
export type MonitoringWindow = (typeof MONITORING_WINDOWS)[number];

const WINDOWS: Record<MonitoringWindow, { span: number; step: number }> = {
  '1h': { span: HOUR_MS, step: MINUTE_MS },
  '24h': { span: 24 * HOUR_MS, step: 15 * MINUTE_MS },
  '7d': { span: 7 * 24 * HOUR_MS, step: HOUR_MS },
};

/** Minute rows are kept this long (the 24 h view reads them); hour rows as configured. */
export const MINUTE_RETENTION_MS = 48 * HOUR_MS;
/** An hour is rolled up this long after it ended, so late reports still land in its minutes. */
const ROLL_UP_DELAY_MS = 5 * MINUTE_MS;

export interface MonitoringPoint {
  at: number;
  /** Peak of connected clients in the step (summed over the server's gateways). */
  connected: number;
  connects: number;
  disconnects: number;
  authFailures: number;
  bytesReceived: number;
  bytesSent: number;
}

export interface MonitoringSeries {
  window: MonitoringWindow;
  stepMs: number;
  from: number;
  to: number;
  points: MonitoringPoint[];
}

const emptyPoint = (at: number): MonitoringPoint => ({ at, connected: 0, connects: 0, disconnects: 0, authFailures: 0, bytesReceived: 0, bytesSent: 0 });

/** Gateways first (same time: sum), then steps (connected: peak; counters: sum). */
function bucket(rows: readonly MonitoringSampleRow[], from: number, to: number, step: number): MonitoringPoint[] {
  const byTime = new Map<number, MonitoringPoint>();
  for (const r of rows) {
    const p = byTime.get(r.at) ?? emptyPoint(r.at);
    p.connected += r.connected;
    p.connects += r.connects;
    p.disconnects += r.disconnects;
    p.authFailures += r.auth_failures;
    p.bytesReceived += r.bytes_received;
    p.bytesSent += r.bytes_sent;
    byTime.set(r.at, p);
  }
  const points = Array.from({ length: Math.round((to - from) / step) }, (_, i) => emptyPoint(from + i * step));
  for (const p of byTime.values()) {
    const target = points[Math.floor((p.at - from) / step)];
    if (!target) continue;
    target.connected = Math.max(target.connected, p.connected);
    target.connects += p.connects;
    target.disconnects += p.disconnects;
    target.authFailures += p.authFailures;
    target.bytesReceived += p.bytesReceived;
    target.bytesSent += p.bytesSent;
  }
  return points;
}

/** One server's figures over a window, every step present (zeros where nothing was recorded). */
export async function monitoringSeries(ctx: DomainContext, serverId: string, window: MonitoringWindow): Promise<MonitoringSeries> {
  const { span, step } = WINDOWS[window];
  const now = ctx.clock.now();
  const to = Math.ceil((now + 1) / step) * step;
  const from = to - span;
  let rows: MonitoringSampleRow[];
  if (step < HOUR_MS) {
    rows = await readSamples(ctx.store.db, serverId, MINUTE_MS, from, to);
  } else {
    // Hours already rolled up come from hour rows, the rest straight from the minutes.
    const mark = Math.max(from, Math.min(to, (await rolledUpUntil(ctx.store.db)) ?? from));
    rows = [...(await readSamples(ctx.store.db, serverId, HOUR_MS, from, mark)), ...(await readSamples(ctx.store.db, serverId, MINUTE_MS, mark, to))];
  }
  return { window, stepMs: step, from, to, points: bucket(rows, from, to, step) };
}

/** Rolls complete hours up and deletes what is past retention; returns the rows deleted. */
export async function sweepMonitoring(ctx: DomainContext, retentionMs: number): Promise<number> {
  const now = ctx.clock.now();
  const floorHour = (t: number): number => t - (t % HOUR_MS);
  const until = floorHour(now - ROLL_UP_DELAY_MS);
  const mark = (await rolledUpUntil(ctx.store.db)) ?? floorHour(now - MINUTE_RETENTION_MS);
  // A long pause is caught up a day at a time.
  for (let from = mark; from < until; from += 24 * HOUR_MS) await rollUpHours(ctx.store.db, from, Math.min(until, from + 24 * HOUR_MS));
  const minutes = await deleteSamplesBefore(ctx.store.db, MINUTE_MS, now - MINUTE_RETENTION_MS);
  const hours = await deleteSamplesBefore(ctx.store.db, HOUR_MS, now - retentionMs);
  return minutes + hours;
}
