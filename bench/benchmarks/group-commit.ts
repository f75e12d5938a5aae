import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { applySessionFacts, SessionIngest } from '../../src/domain/clients/ingest.ts';
import type { DomainContext } from '../../src/domain/context.ts';
import type { EstablishedSession } from '../../src/domain/clients/model.ts';
import { createServer, pool } from '../lib/api.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { startEmbeddedSluice } from '../lib/embedded-sluice.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { single } from '../lib/stats.ts';

const GOAL = { sqlite: 5000, postgres: 3000 } as const;
/** Sessions in flight at once, each waiting for its start to be acknowledged before it ends (as the agent does). */
const IN_FLIGHT = 256;

const session = (prefix: string, i: number, at: number): EstablishedSession => ({
  sessionKey: `${prefix}:${i}`,
  clientIp: `10.${64 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`,
  remoteIp: '127.0.0.1',
  remotePort: 30000 + (i % 30000),
  commonName: `cn${i}`,
  username: null,
  startedAt: at,
});

/**
 * The store's side of ingest alone: N sessions (start, then end once the start is acknowledged),
 * 256 in flight, through group commit (`SessionIngest`, as the gateway link uses it) against the
 * same rules applied one fact per transaction (`applySessionFacts` with one fact: the plain loop).
 * No management protocol and no auth decisions, which the `ingest` benchmark includes.
 */
export const groupCommit: Benchmark = {
  name: 'group-commit',
  describe: 'session facts/s into the store: group commit vs one transaction per fact (in process)',
  defaultSizes: [10_000],
  needs: ['postgres'],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    for (const dialect of ctx.dialects) {
      for (const n of sizes) {
        await withCleanup(async (cleanup) => {
          const sluice = await startEmbeddedSluice(cleanup, dialect, { gateway: 'none' });
          const domain: DomainContext = sluice.running.ctx;
          const serverA = String((await createServer(sluice.api, { client_ip_pool: '10.64.0.0/10', client_authentication: [{ method: 'certificate' }] }, false)).id);
          const serverB = String((await createServer(sluice.api, { client_ip_pool: '10.128.0.0/10', client_authentication: [{ method: 'certificate' }] }, false)).id);
          const play = async (label: string, established: (i: number) => Promise<unknown>, ended: (i: number) => Promise<unknown>): Promise<number> => {
            const started = performance.now();
            await pool(Array.from({ length: n }, (_, i) => i), IN_FLIGHT, async (i) => {
              await established(i);
              await ended(i);
            });
            const ms = performance.now() - started;
            ctx.log(`group-commit ${dialect} ${label}: ${Math.round(n / (ms / 1000))} sessions/s`);
            return ms;
          };
          const now = Date.now();
          const end = (prefix: string, i: number) => ({ sessionKey: `${prefix}:${i}`, endedAt: now + 1, bytesSent: 2171, bytesReceived: 2035 });
          // Baseline first: Sluice then runs on a table that already holds N rows.
          const plainMs = await play(
            'one transaction per fact',
            (i) => applySessionFacts(domain, serverB, [{ kind: 'established', session: session('plain', i, now) }]),
            (i) => applySessionFacts(domain, serverB, [{ kind: 'ended', session: end('plain', i) }]),
          );
          const ingest = new SessionIngest(domain);
          const groupMs = await play(
            'group commit',
            (i) => ingest.established(serverA, session('group', i, now)),
            (i) => ingest.ended(serverA, end('group', i)),
          );
          const visible = await sql<{ n: number }>`select count(*) as n from vpn_server_clients where vpn_server_id = ${serverA} and status = 'disconnected'`.execute(domain.store.db);
          const count = Number(visible.rows[0]?.n ?? 0);
          const rate = n / (groupMs / 1000);
          const r = row({
            case: `${dialect} n=${n}`,
            metric: 'sessions/s (2 facts each)',
            unit: '/s',
            better: 'higher',
            sluice: single(rate),
            baseline: single(n / (plainMs / 1000)),
            goal: `≥ ${GOAL[dialect]}/s${dialect === 'postgres' ? ' and ≥ 5×' : ''}`,
          });
          r.met = rate >= GOAL[dialect] && (dialect !== 'postgres' || r.ratio >= 5) && count === n;
          r.note = `${ingest.batches} batches (${Math.round((2 * n) / Math.max(1, ingest.batches))} facts each)${count !== n ? `; LOST ${n - count}` : ''}`;
          rows.push(r);
        });
      }
    }
    return { rows, notes: [`${IN_FLIGHT} sessions in flight; baseline: the same rules, one fact per transaction`], options: { inFlight: IN_FLIGHT } };
  },
};
