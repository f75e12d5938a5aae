import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase } from '../../test/support/dialects.ts';
import { API_VERSION as VERSION } from '../../test/support/api-client.ts';
import { withCleanup, type Cleanup } from '../lib/cleanup.ts';
import { load } from '../lib/load.ts';
import { startListTarget } from '../lib/list-target.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { seedClients } from '../lib/seed.ts';
import type { Summary } from '../lib/stats.ts';

const BARE = fileURLToPath(new URL('../lib/bare-fastify.ts', import.meta.url));
const MINIMAL = fileURLToPath(new URL('../lib/minimal-list.ts', import.meta.url));
/** Goals of issue 12: Sluice ≥ 0.8× the minimal handler on SQLite; PostgreSQL ≥ 0.7× SQLite's rate. */
const MINIMAL_GOAL = 0.8;
const PG_VS_SQLITE_GOAL = 0.7;

/** A bare Fastify process serving `body`; resolves with its URL. */
async function startBare(cleanup: Cleanup, dir: string, body: string): Promise<string> {
  const file = join(dir, 'body.json');
  writeFileSync(file, body);
  return startProcess(cleanup, 'bare fastify', [BARE, file]);
}

/** A process of ours that prints its URL on its first line; stopped by the cleanup. */
async function startProcess(cleanup: Cleanup, what: string, args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add(`stop ${what}`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('\n')) resolve(out.trim());
    });
    void exited.then(() => reject(new Error(`${what} exited before listening`)));
  });
}

/**
 * GET …/clients?limit=50 against a real `sluice serve` holding 1k…100k records, 50 connections;
 * baseline: a minimal handler doing the same work (bench/lib/minimal-list.ts: cached token, the
 * same indexed query, the same JSON) on the same database; second reference: a bare Fastify
 * process serving the very same response bytes. All under the same load, one after the other.
 */
export const list: Benchmark = {
  name: 'list',
  describe: 'GET clients?limit=50 under 50 connections vs a bare Fastify route (autocannon)',
  defaultSizes: [1000, 10_000, 100_000],
  needs: ['postgres'],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    const sorted = [...sizes].sort((a, b) => a - b);
    const rateBySize = new Map<number, Partial<Record<'sqlite' | 'postgres', Summary>>>();
    for (const dialect of ctx.dialects) {
      await withCleanup(async (cleanup) => {
        const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-list-'));
        cleanup.add('remove temp dir', () => rmSync(dir, { recursive: true, force: true }));
        const database = await freshDatabase(dialect);
        cleanup.add('drop database', () => database.drop());
        const { sluice, serverId, token, headers } = await startListTarget(cleanup, database.url);
        const path = `/v1/vpn_servers/${serverId}/clients?limit=50&${VERSION}`;
        const minimalUrl = await startProcess(cleanup, 'minimal list handler', [MINIMAL, database.url, token]);
        let seeded = 0;
        let firstP99: number | undefined;
        for (const n of sorted) {
          await seedClients(database.url, serverId, seeded, n);
          seeded = n;
          const answer = await fetch(`${sluice.url}${path}`, { headers });
          if (answer.status !== 200) throw new Error(`list answered ${answer.status}: ${await answer.text()}`);
          const bareUrl = await startBare(cleanup, dir, await answer.text());
          // Warm both (JIT, caches, connection pools) before measuring; then alternate.
          const minimalAnswer = await fetch(`${minimalUrl}${path}`, { headers });
          if (minimalAnswer.status !== 200) throw new Error(`minimal list answered ${minimalAnswer.status}`);
          await load(`${sluice.url}${path}`, headers, 1);
          await load(`${minimalUrl}${path}`, headers, 1);
          await load(`${bareUrl}${path}`, headers, 1);
          const measured = await load(`${sluice.url}${path}`, headers, ctx.duration);
          const minimal = await load(`${minimalUrl}${path}`, headers, ctx.duration);
          const baseline = await load(`${bareUrl}${path}`, headers, ctx.duration);
          if (measured.non2xx > 0 || measured.errors > 0) throw new Error(`list: ${measured.non2xx} non-2xx answers, ${measured.errors} errors under load`);
          if (minimal.non2xx > 0 || minimal.errors > 0) throw new Error(`minimal list: ${minimal.non2xx} non-2xx answers, ${minimal.errors} errors under load`);
          firstP99 ??= measured.latencyMs.p99;
          const kase = `${dialect} n=${n}`;
          const throughput = row({ case: kase, metric: 'requests/s vs minimal handler', unit: '/s', better: 'higher', sluice: measured.requestsPerSecond, baseline: minimal.requestsPerSecond, goal: dialect === 'sqlite' ? `≥ ${MINIMAL_GOAL}× baseline` : '—' });
          if (dialect === 'sqlite') throughput.met = throughput.ratio >= MINIMAL_GOAL;
          const bare = row({ case: kase, metric: 'requests/s vs bare Fastify (same bytes)', unit: '/s', better: 'higher', sluice: measured.requestsPerSecond, baseline: baseline.requestsPerSecond });
          const latency = row({ case: kase, metric: 'latency vs minimal handler', unit: 'ms', better: 'lower', sluice: measured.latencyMs, baseline: minimal.latencyMs, goal: `p99 ≤ 2× p99 at n=${sorted[0] ?? n}` });
          latency.met = measured.latencyMs.p99 <= 2 * firstP99;
          latency.note = `p99 ${measured.latencyMs.p99} ms = ${(measured.latencyMs.p99 / firstP99).toFixed(2)}× the smallest size's; bare Fastify p99 ${baseline.latencyMs.p99} ms`;
          rows.push(throughput, bare, latency);
          const rates = rateBySize.get(n) ?? {};
          rates[dialect] = measured.requestsPerSecond;
          rateBySize.set(n, rates);
          ctx.log(`list ${kase}: ${measured.requestsPerSecond.median} req/s p99 ${measured.latencyMs.p99} ms vs minimal ${minimal.requestsPerSecond.median} req/s p99 ${minimal.latencyMs.p99} ms, bare ${baseline.requestsPerSecond.median} req/s`);
        }
      });
    }
    for (const [n, rates] of rateBySize) {
      if (!rates.sqlite || !rates.postgres) continue;
      const r = row({ case: `n=${n}`, metric: 'requests/s: PostgreSQL vs SQLite', unit: '/s', better: 'higher', sluice: rates.postgres, baseline: rates.sqlite, goal: `≥ ${PG_VS_SQLITE_GOAL}×` });
      r.met = r.ratio >= PG_VS_SQLITE_GOAL;
      rows.push(r);
    }
    return { rows, notes: ['each size: 1 s warm-up of each, then sluice, the minimal handler and bare Fastify measured one after the other; records are 1/4 connected, 3/4 disconnected'], options: { connections: 50 } };
  },
};
