import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../dialect.ts';
import * as initial from './2026-11-25-001-initial.ts';
import * as pendingIntents from './2026-11-25-002-pending-intents-index.ts';
import * as certificateBinding from './2026-11-30-101-certificate-binding.ts';
import * as tokenFamilies from './2026-11-30-201-token-families.ts';
import * as rateLimits from './2026-11-30-202-rate-limits.ts';
import * as passcodeAttempts from './2026-11-30-301-passcode-attempts.ts';
import * as routeAccessAndCounters from './2026-11-30-401-route-access-and-counters.ts';
import * as auditAndMonitoring from './2026-11-30-601-audit-and-monitoring.ts';
import * as clientStatistics from './2026-11-30-820-client-statistics.ts';
import * as clientEventOrder from './2026-11-30-831-client-event-order.ts';
import * as gateways from './2026-11-30-901-gateways.ts';
import * as serverGatewayStates from './2026-11-30-902-server-gateway-states.ts';

interface MigrationModule {
  up(db: Kysely<unknown>, caps: DialectCapabilities): Promise<void>;
}

/** Ordered, append-only. The key is the migration's permanent name in the kysely_migration table. */
export const migrations: ReadonlyArray<readonly [string, MigrationModule]> = [
  ['2026-11-25-001-initial', initial],
  ['2026-11-25-002-pending-intents-index', pendingIntents],
  ['2026-11-30-101-certificate-binding', certificateBinding],
  ['2026-11-30-201-token-families', tokenFamilies],
  ['2026-11-30-202-rate-limits', rateLimits],
  ['2026-11-30-301-passcode-attempts', passcodeAttempts],
  ['2026-11-30-401-route-access-and-counters', routeAccessAndCounters],
  ['2026-11-30-601-audit-and-monitoring', auditAndMonitoring],
  ['2026-11-30-820-client-statistics', clientStatistics],
  ['2026-11-30-831-client-event-order', clientEventOrder],
  ['2026-11-30-901-gateways', gateways],
  ['2026-11-30-902-server-gateway-states', serverGatewayStates],
];
