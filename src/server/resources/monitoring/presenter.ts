import { toTimestamp } from '../../../domain/shared/clock.ts';
import type { MonitoringSeries } from '../../../domain/monitoring/series.ts';

/** The VPNServerMonitoring a series is on the wire. */
export const presentMonitoring = (series: MonitoringSeries) => ({
  window: series.window,
  step_seconds: series.stepMs / 1000,
  start: toTimestamp(series.from),
  end: toTimestamp(series.to),
  points: series.points.map((p) => ({
    at: toTimestamp(p.at),
    connected_clients: p.connected,
    connects: p.connects,
    disconnects: p.disconnects,
    auth_failures: p.authFailures,
    bytes_received: p.bytesReceived,
    bytes_sent: p.bytesSent,
  })),
});
