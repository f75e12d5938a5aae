import type { FastifyInstance } from 'fastify';
import { pendingMigrations, type Store } from '../store/database.ts';

export type CheckState = 'ok' | 'failing' | 'not_required';

export interface ReadinessReport {
  ready: boolean;
  checks: { store: CheckState; migrations: CheckState; gateway: CheckState };
  /** Why a check fails, for the operator reading the answer. */
  reasons: string[];
}

export type ReadinessProbe = () => Promise<ReadinessReport>;

/**
 * Ready to take traffic: the store answers, every migration this code knows has run (a replica
 * of an older version, or a database an older version migrated, is not), and — when this process
 * runs the gateway — the gateway agent is attached.
 */
export function readinessProbe(store: Store, gatewayAttached: (() => boolean) | undefined): ReadinessProbe {
  return async () => {
    const reasons: string[] = [];
    let storeState: CheckState = 'ok';
    let migrations: CheckState = 'ok';
    try {
      await store.ping();
      const pending = await pendingMigrations(store);
      if (pending.length > 0) {
        migrations = 'failing';
        reasons.push(`migrations not run: ${pending.join(', ')}`);
      }
    } catch (error) {
      storeState = 'failing';
      migrations = 'failing';
      reasons.push(`store unreachable: ${(error as Error).message}`);
    }
    let gateway: CheckState = 'not_required';
    if (gatewayAttached) {
      gateway = gatewayAttached() ? 'ok' : 'failing';
      if (gateway === 'failing') reasons.push('the gateway agent is not attached yet');
    }
    const checks = { store: storeState, migrations, gateway };
    return { ready: Object.values(checks).every((c) => c !== 'failing'), checks, reasons };
  };
}

/** GET /readyz: 200 when ready, 503 with the failing checks otherwise. No token, like /healthz. */
export function registerReadiness(app: FastifyInstance, probe: ReadinessProbe): void {
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const report = await probe();
    return reply.code(report.ready ? 200 : 503).send({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks, ...(report.reasons.length > 0 && { reasons: report.reasons }) });
  });
}
