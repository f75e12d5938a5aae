import { sql } from 'kysely';
import { performance } from 'node:perf_hooks';
import { playScenario } from '../fake-openvpn/binary.ts';
import { createServer } from '../lib/api.ts';
import { until, withCleanup } from '../lib/cleanup.ts';
import { startEmbeddedSluice } from '../lib/embedded-sluice.ts';
import { plainIngest } from '../lib/plain-ingest.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { single } from '../lib/stats.ts';

const GOAL = { sqlite: 5000, postgres: 3000 } as const;
/** Group commit's point: on PostgreSQL, ≥ 5× a plain loop of one transaction per fact. */
const RATIO_GOAL = { sqlite: 0.3, postgres: 5 } as const;
/** Handshakes awaiting a decision at once: OpenVPN lets many clients negotiate in parallel. */
const WINDOW = 64;

/**
 * CONNECT → ESTABLISHED → DISCONNECT for N sessions, as fast as the agent takes them, until every
 * record is `disconnected` in the store; against the same rows written by a plain loop.
 */
export const ingest: Benchmark = {
  name: 'ingest',
  describe: 'sessions/s from the management socket into visible records (fake OpenVPN)',
  defaultSizes: [10_000],
  needs: ['postgres'],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const dialect of ctx.dialects) {
      for (const n of sizes) {
        await withCleanup(async (cleanup) => {
          const sluice = await startEmbeddedSluice(cleanup, dialect);
          const server = await createServer(sluice.api, { client_ip_pool: '10.64.0.0/10', client_authentication: [{ method: 'certificate' }] });
          const other = await createServer(sluice.api, { client_ip_pool: '10.128.0.0/10', client_authentication: [{ method: 'certificate' }] }, false);
          const serverId = String(server.id);

          // Baseline first, on the same store: Sluice then runs on a table that already holds N rows.
          const baselineMs = await plainIngest(sluice.databaseUrl, String(other.id), n);

          const db = sluice.running.ctx.store.db;
          // Group commit counts the facts it committed: that tells when every fact was handled
          // without polling the table.
          const ingest = sluice.running.link.ingest;
          const before = { facts: ingest.committed, batches: ingest.batches };
          let committed = 0;
          // CPU of this process (Sluice and its agent; the fake runs apart): steadier than the rate
          // on a shared machine, since waiting for a core costs no CPU time.
          const cpuBefore = process.cpuUsage();
          const started = performance.now();
          const report = await playScenario(sluice.serverDir(serverId), { count: n, window: WINDOW, establish: true, end: true, prefix: 'ingest', usernames: false });
          let lastProgress = { at: performance.now(), committed };
          await until(
            `${n} records disconnected`,
            () => {
              committed = ingest.committed - before.facts;
              if (committed >= 2 * n) return true;
              if (committed !== lastProgress.committed) lastProgress = { at: performance.now(), committed };
              // No commit for 10 s: records were lost, not slow. Say how many.
              if (performance.now() - lastProgress.at > 10_000) throw new Error(`ingest stalled at ${committed}/${2 * n} commits`);
              return undefined;
            },
            600_000,
            5,
          );
          const sluiceMs = performance.now() - started;
          const cpu = process.cpuUsage(cpuBefore);
          const visible = await sql<{ n: number }>`select count(*) as n from vpn_server_clients where vpn_server_id = ${serverId} and status = 'disconnected'`.execute(db);
          // Every fact was handled (each notifies, found or not); records that are not
          // `disconnected` now were lost, not late: reported, and the goal counts as missed.
          const count = Number(visible.rows[0]?.n ?? 0);
          const sluiceRate = n / (sluiceMs / 1000);
          const baselineRate = n / (baselineMs / 1000);
          const r = row({
            case: `${dialect} n=${n}`,
            metric: 'sessions/s',
            unit: '/s',
            better: 'higher',
            sluice: single(sluiceRate),
            baseline: single(baselineRate),
            goal: `≥ ${GOAL[dialect]}/s and ratio ≥ ${RATIO_GOAL[dialect]}`,
          });
          r.met = sluiceRate >= GOAL[dialect] && r.ratio >= RATIO_GOAL[dialect] && count === n;
          r.note = `${Math.round(sluiceMs)} ms vs ${Math.round(baselineMs)} ms; fake done in ${Math.round(report.ms)} ms; ${Math.round((3 * n) / (sluiceMs / 1000))} events/s; Sluice CPU ${Math.round((cpu.user + cpu.system) / n)} µs/session; ${ingest.batches - before.batches} batches (${Math.round((2 * n) / Math.max(1, ingest.batches - before.batches))} facts each)`;
          if (count !== n) r.note += `; LOST: ${n - count} of ${n} records never turned disconnected`;
          rows.push(r);
          ctx.log(`ingest ${r.case}: ${Math.round(sluiceRate)}/s vs plain ${Math.round(baselineRate)}/s${count !== n ? `, ${n - count} records lost` : ''}`);
        });
      }
    }
    notes.push(`window: ${WINDOW} sessions awaiting an auth decision at once; baseline writes the same rows with 2 transactions per session (one per fact); Sluice writes them by group commit`);
    return { rows, notes, options: { window: WINDOW } };
  },
};
