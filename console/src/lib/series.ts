import type { VpnServerClient } from '../../../src/client/types.ts';
import { toMillis } from './time.ts';

/**
 * Connected clients over a window, from the client records alone: a record counts at time t when
 * its session started at or before t and had not ended by t. Disconnected records stay listed for
 * the auto-delete timeout (an hour by default), so the last hour is complete in the default set-up.
 */
export function connectedSeries(clients: VpnServerClient[], now: number, windowMs = 3_600_000, points = 61): number[] {
  const spans = clients
    .map((c) => ({ start: toMillis(c.created_at), end: c.status === 'connected' ? Infinity : (toMillis(c.disconnected_at) ?? Infinity) }))
    .filter((s): s is { start: number; end: number } => s.start !== undefined);
  const out: number[] = [];
  const step = points > 1 ? windowMs / (points - 1) : 0;
  for (let i = 0; i < points; i++) {
    const t = now - windowMs + i * step;
    out.push(spans.filter((s) => s.start <= t && s.end > t).length);
  }
  return out;
}

/** An SVG polyline `points` attribute scaled into width × height (0 at the bottom). */
export function sparklinePoints(values: number[], width: number, height: number, pad = 2): string {
  if (values.length === 0) return '';
  const max = Math.max(1, ...values);
  const dx = values.length > 1 ? (width - 2 * pad) / (values.length - 1) : 0;
  return values
    .map((v, i) => `${(pad + i * dx).toFixed(1)},${(height - pad - (v / max) * (height - 2 * pad)).toFixed(1)}`)
    .join(' ');
}
