import type { FastifyInstance } from 'fastify';
import type { RequestTypeProvider } from '../../type-provider.ts';
import { Type, type Static } from 'typebox';
import { toTimestamp } from '../../../domain/shared/clock.ts';
import { getVpnServer } from '../../../domain/vpn-servers/service.ts';
import { MONITORING_WINDOWS, monitoringSeries } from '../../../domain/monitoring/series.ts';
import { Id, StringEnum, Timestamp, VersionQuery, errorResponses, named } from '../../schemas.ts';
import type { AppServices } from '../../services.ts';

const tags = ['VPN servers'];
const Count = (description: string) => Type.Integer({ minimum: 0, description });

const Point = named('VPNServerMonitoringPoint', Type.Object(
  {
    at: Timestamp,
    connected_clients: Count('Peak of connected clients in the step.'),
    connects: Count('Sessions that connected in the step.'),
    disconnects: Count('Sessions that ended in the step.'),
    auth_failures: Count('Connection attempts refused (or left unanswered) in the step.'),
    bytes_received: Count('Bytes received from clients in the step.'),
    bytes_sent: Count('Bytes sent to clients in the step.'),
  },
  { description: 'The server\u2019s figures over one step, from `at`.' },
));
export type MonitoringPoint = Static<typeof Point>;

const Monitoring = named('VPNServerMonitoring', Type.Object(
  {
    window: StringEnum([...MONITORING_WINDOWS], 'The window asked for.'),
    step_seconds: Type.Integer({ minimum: 60, maximum: 3600, description: 'Length of each step: 60 s (1h), 900 s (24h), 3600 s (7d).' }),
    start: Timestamp,
    end: Timestamp,
    points: Type.Array(Point, { minItems: 0, maxItems: 1000, description: 'Every step of the window, oldest first; the last one is still filling.' }),
  },
  {
    description: 'Sluice extension: the Monitoring tab\u2019s time-series, kept by the control plane itself (no Prometheus needed).',
    example: {
      window: '1h',
      step_seconds: 60,
      start: '2026-11-30T08:01:00.000Z',
      end: '2026-11-30T09:01:00.000Z',
      points: [{ at: '2026-11-30T09:00:00.000Z', connected_clients: 12, connects: 2, disconnects: 1, auth_failures: 0, bytes_received: 18_432, bytes_sent: 52_110 }],
    },
  },
));
export type VpnServerMonitoring = Static<typeof Monitoring>;

const Params = Type.Object({ id: Type.String({ ...Id, description: 'The VPN server identifier.' }) }, { description: 'Path parameters.' });
const Query = Type.Object({ ...VersionQuery, window: Type.Optional(StringEnum([...MONITORING_WINDOWS], 'Last hour (default), 24 hours or 7 days.')) }, { description: 'Window parameters.' });

export function registerMonitoringRoutes(root: FastifyInstance, services: AppServices): void {
  const app = root.withTypeProvider<RequestTypeProvider>();
  const { ctx } = services;

  app.get('/v1/vpn_servers/:id/monitoring', {
    config: { action: 'vpn_server.read', serverParam: 'id' },
    schema: {
      operationId: 'get_vpn_server_monitoring',
      summary: 'Get the monitoring time-series of a VPN server',
      description: 'Connected clients, connects, disconnects, auth failures and traffic over the last hour, 24 hours or 7 days, as the console\u2019s Monitoring tab shows them.',
      tags,
      params: Params,
      querystring: Query,
      response: { 200: Monitoring, ...errorResponses },
    },
  }, async (request) => {
    await getVpnServer(ctx, request.params.id);
    const series = await monitoringSeries(ctx, request.params.id, request.query.window ?? '1h');
    return {
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
    };
  });
}
