import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { openStore } from '../../src/store/database.ts';
import { freshDatabase } from '../../test/support/dialects.ts';
import { API_VERSION as VERSION, TestApi } from '../../test/support/api-client.ts';
import { BENCH_ADMIN_KEY, createServer } from '../lib/api.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { load, type LoadResult } from '../lib/load.ts';
import { startServe } from '../lib/sluice-serve.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { seedClients } from '../lib/seed.ts';
import { summarize } from '../lib/stats.ts';

const VARIANT = fileURLToPath(new URL('../lib/serve-variant.ts', import.meta.url));
const CONNECTIONS = 50;

/** CPU time the process has used, ms (utime + stime from /proc, 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs a load and adds the server's CPU time per answered request: steadier than req/s on a shared machine. */
async function measured<R extends LoadResult>(pid: number, run: () => Promise<R>): Promise<R & { cpuPerRequestMs: number }> {
  const before = cpuMs(pid);
  const result = await run();
  return { ...result, cpuPerRequestMs: (cpuMs(pid) - before) / Math.max(1, result.latencyMs.n) };
}

async function tokenOf(url: string): Promise<string> {
  const res = await fetch(`${url}/identity/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: BENCH_ADMIN_KEY }) });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** POST …/disconnect, each request on the next client not yet asked: the real write path, audit included. */
async function disconnectLoad(url: string, token: string, serverId: string, ids: readonly string[], seconds: number): Promise<LoadResult & { used: number }> {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, path: `/v1/vpn_servers/${serverId}/clients/${ids[next++ % ids.length] ?? ''}/disconnect?${VERSION}` }) }],
  });
  if (next > ids.length) throw new Error(`disconnect load ran out of clients (${next} requests, ${ids.length} clients): seed more`);
  const { requests: r, latency: l } = result;
  return {
    requestsPerSecond: { n: seconds, median: r.p50, p95: r.p2_5, p99: r.p1, min: r.min, max: r.max },
    latencyMs: { n: r.total, median: l.p50, p95: l.p97_5, p99: l.p99, min: l.min, max: l.max },
    non2xx: result.non2xx,
    errors: result.errors,
    used: next,
  };
}

/**
 * The cost of metrics and the audit trail: the same `sluice serve` with them on (as shipped) and
 * off, side by side on one database, loaded in turn — the clients list (metrics only: reads are
 * not audited) and client disconnects (metrics and one audit insert per call).
 */
export const observability: Benchmark = {
  name: 'observability',
  describe: 'list and disconnect throughput with metrics and audit on vs off (same run, same database)',
  defaultSizes: [10_000],
  needs: ['postgres'],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    // Many short runs, alternating: on a shared machine the load drifts within seconds.
    const rounds = ctx.rounds ?? 8;
    for (const dialect of ctx.dialects) {
      for (const n of sizes) {
        await withCleanup(async (cleanup) => {
          // Each variant gets its own database, seeded alike: two processes writing one SQLite
          // file would measure lock contention, not observability.
          const perRun = 2500 * ctx.duration;
          const prepare = async (mode: 'on' | 'off') => {
            const database = await freshDatabase(dialect);
            cleanup.add('drop database', () => database.drop());
            const serve = await startServe(cleanup, { SLUICE_DATABASE_URL: database.url }, ['--gateway', 'none'], [VARIANT, mode]);
            const api = await new TestApi(serve.url, BENCH_ADMIN_KEY).login();
            const listed = String((await createServer(api, { client_ip_pool: '10.64.0.0/10', client_authentication: [{ method: 'certificate' }] }, false)).id);
            const target = String((await createServer(api, { client_ip_pool: '10.128.0.0/10', client_authentication: [{ method: 'certificate' }] }, false)).id);
            await seedClients(database.url, listed, 0, n);
            // Every disconnect asks for a client not asked before; each run gets its own share.
            await seedClients(database.url, target, n, n + perRun * (rounds + 1), 1);
            const store = await openStore(database.url);
            const ids = (await store.db.selectFrom('vpn_server_clients').select('id').where('vpn_server_id', '=', target).execute()).map((r) => r.id);
            await store.close();
            return { serve, listed, target, ids, token: await tokenOf(serve.url), used: 0 };
          };
          const setups = { on: await prepare('on'), off: await prepare('off') };
          type Sample = LoadResult & { cpuPerRequestMs: number };
          const samples = { list: { on: [] as Sample[], off: [] as Sample[] }, disconnect: { on: [] as Sample[], off: [] as Sample[] } };
          const listPath = (serverId: string) => `/v1/vpn_servers/${serverId}/clients?limit=50&${VERSION}`;
          // Warm both (JIT, caches, pools) on both paths before measuring.
          for (const setup of Object.values(setups)) {
            await load(`${setup.serve.url}${listPath(setup.listed)}`, { authorization: `Bearer ${setup.token}` }, 2);
            await disconnectLoad(setup.serve.url, setup.token, setup.target, setup.ids.slice(0, perRun), Math.min(2, ctx.duration));
            setup.used = perRun;
          }
          for (let round = 0; round < rounds; round++) {
            // Alternate who goes first, so drift on a shared machine favours neither.
            const order = round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const);
            for (const name of order) {
              const setup = setups[name];
              const list = await measured(setup.serve.pid, () => load(`${setup.serve.url}${listPath(setup.listed)}`, { authorization: `Bearer ${setup.token}` }, ctx.duration, CONNECTIONS));
              const disconnect = await measured(setup.serve.pid, () => disconnectLoad(setup.serve.url, setup.token, setup.target, setup.ids.slice(setup.used, setup.used + perRun), ctx.duration));
              setup.used += perRun;
              for (const r of [list, disconnect]) if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors; log:\n${setup.serve.log().slice(-3000)}`);
              samples.list[name].push(list);
              samples.disconnect[name].push(disconnect);
              ctx.log(`${dialect} round ${round + 1} ${name}: list ${list.requestsPerSecond.median} req/s ${list.cpuPerRequestMs.toFixed(3)} CPU ms/req, disconnect ${disconnect.requestsPerSecond.median} req/s ${disconnect.cpuPerRequestMs.toFixed(3)} CPU ms/req (${disconnect.used} clients)`);
            }
          }
          for (const path of ['list', 'disconnect'] as const) {
            const rate = (results: Sample[]) => summarize(results.map((r) => r.requestsPerSecond.median));
            const p99 = (results: Sample[]) => summarize(results.map((r) => r.latencyMs.p99));
            const cpu = (results: Sample[]) => summarize(results.map((r) => r.cpuPerRequestMs));
            const kase = `${dialect} ${path}${path === 'list' ? ` n=${n}` : ''}`;
            const throughput = row({ case: kase, metric: 'requests/s (median of runs)', unit: '/s', better: 'higher', sluice: rate(samples[path].on), baseline: rate(samples[path].off), goal: '≥ 0.95× without (≤ 5 % lost)' });
            throughput.met = throughput.ratio >= 0.95;
            const perRequest = row({ case: kase, metric: 'sluice serve CPU per request (median of runs)', unit: 'ms', better: 'lower', sluice: cpu(samples[path].on), baseline: cpu(samples[path].off), goal: '≤ 1.05× without' });
            perRequest.met = perRequest.ratio <= 1.05;
            rows.push(throughput, perRequest, row({ case: kase, metric: 'p99 latency (median of runs)', unit: 'ms', better: 'lower', sluice: p99(samples[path].on), baseline: p99(samples[path].off) }));
          }
        });
      }
    }
    return {
      rows,
      notes: [
        'sluice = metrics and audit on (as shipped); baseline = the same build with both off; both processes run at once, each on its own database seeded alike, and are loaded in turn, alternating who goes first',
        'CPU per request: utime+stime of the sluice serve process over the run (/proc, 10 ms ticks) divided by the requests answered; the database server of PostgreSQL runs are not counted. On a machine shared with other work this moves far less than requests/s',
        'list: GET clients?limit=50 (reads are not audited, so this is the cost of the request metrics and the store query histogram); disconnect: POST …/disconnect on a client not asked before (an intent write, a client event, and with audit on one audit row)',
      ],
      options: { connections: CONNECTIONS, rounds },
    };
  },
};
