import { Type, type Static } from 'typebox';
import { MONITORING_WINDOWS } from '../../../domain/monitoring/series.ts';
import { Id, StringEnum, Timestamp, VersionQuery, named } from '../../schemas.ts';

export const Count = (description: string) => Type.Integer({ minimum: 0, description });

export const Point = named('VPNServerMonitoringPoint', Type.Object(
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

export const Monitoring = named('VPNServerMonitoring', Type.Object(
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

export const Params = Type.Object({ id: Type.String({ ...Id, description: 'The VPN server identifier.' }) }, { description: 'Path parameters.' });

export const Query = Type.Object({ ...VersionQuery, window: Type.Optional(StringEnum([...MONITORING_WINDOWS], 'Last hour (default), 24 hours or 7 days.')) }, { description: 'Window parameters.' });

// The wire types the typed client (src/client) reads, as types only.
export type MonitoringPoint = Static<typeof Point>;
export type VpnServerMonitoring = Static<typeof Monitoring>;
