import { performance } from 'node:perf_hooks';
import { TestApi, type Json } from '../../test/support/api-client.ts';
import { BENCH_ADMIN_KEY, createServer } from '../lib/api.ts';
import { sleep, until, withCleanup, type Cleanup } from '../lib/cleanup.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { replicaEnvironment, startServe } from '../lib/sluice-serve.ts';
import { summarize } from '../lib/stats.ts';
import { startClients } from '../lib/vpn-clients.ts';

/**
 * N clients connect; all are disconnected at once through `api` (one request each); per client, the
 * time from the requests to its exit. The same replica lists them first, so each side's caches
 * and pool are as warm as a load balancer would keep them.
 */
async function round(cleanup: Cleanup, api: TestApi, serverId: string, profile: string, n: number, out: number[]): Promise<void> {
  const clients = await startClients(cleanup, profile, n);
  const byPort = new Map(clients.map((c) => [c.port, c]));
  const rows = await until(`${n} connected in the API`, async () => {
    const list = (await api.ok('GET', `/v1/vpn_servers/${serverId}/clients?status=connected&limit=100`)).clients as Json[];
    const ours = list.filter((r) => byPort.has(Number(r.remote_port)));
    return ours.length === n ? ours : undefined;
  }, 30_000, 20);
  const started = performance.now();
  await Promise.all(rows.map((r) => api.ok('POST', `/v1/vpn_servers/${serverId}/clients/${String(r.id)}/disconnect`)));
  await until('every client exited', () => (clients.every((c) => c.exitedAt !== undefined) ? true : undefined), 30_000, 1);
  for (const c of clients) out.push((c.exitedAt ?? Number.NaN) - started);
}

/**
 * Two real `sluice serve` replicas on one PostgreSQL: A runs the gateway, B `--gateway none`. The
 * same disconnects through B (the change feed carries them to A) and through A (the baseline: the
 * gateway's own replica, notified in process). Real OpenVPN and clients.
 */
export const replicas: Benchmark = {
  name: 'replicas',
  describe: 'disconnect through the replica without the gateway vs through the gateway’s replica (PostgreSQL, real OpenVPN)',
  defaultSizes: [1, 10],
  needs: ['openvpn', 'postgres'],
  async run(ctx, sizes) {
    if (!ctx.dialects.includes('postgres')) return { rows: [], notes: ['replicas share PostgreSQL: not run with --dialects sqlite'] };
    const rows: Row[] = [];
    await withCleanup(async (cleanup) => {
      const { env } = await replicaEnvironment(cleanup);
      const a = await startServe(cleanup, env);
      const b = await startServe(cleanup, env, ['--gateway', 'none']);
      const apiA = await new TestApi(a.url, BENCH_ADMIN_KEY).login();
      const apiB = await new TestApi(b.url, BENCH_ADMIN_KEY).login();
      const server = await createServer(apiA, { client_ip_pool: '10.76.0.0/16', client_authentication: [{ method: 'certificate' }] });
      const serverId = String(server.id);
      const profile = (await apiA.call('POST', `/v1/vpn_servers/${serverId}/client_profile`, { common_name: 'bench' })).text;
      for (const n of sizes) {
        const rounds = ctx.rounds ?? (n === 1 ? 6 : 2);
        const viaOther: number[] = [];
        const viaGateway: number[] = [];
        for (let i = 0; i < rounds; i++) {
          // Alternate who goes first so drift on a shared machine favours neither side.
          const steps = [() => round(cleanup, apiB, serverId, profile, n, viaOther), () => round(cleanup, apiA, serverId, profile, n, viaGateway)];
          for (const step of i % 2 === 0 ? steps : steps.reverse()) {
            await step();
            await sleep(200);
          }
        }
        const r = row({ case: `n=${n}${rounds > 1 ? ` ×${rounds}` : ''}`, metric: 'disconnect → client exit', unit: 'ms', better: 'lower', sluice: summarize(viaOther), baseline: summarize(viaGateway), goal: 'ratio ≤ 1.5' });
        r.met = r.ratio <= 1.5;
        rows.push(r);
        ctx.log(`replicas n=${n}: via the other replica ${r.sluice.median.toFixed(1)} ms, via the gateway's ${r.baseline.median.toFixed(1)} ms`);
      }
    });
    return { rows, notes: ['"Sluice" = through replica B (no gateway; LISTEN/NOTIFY to A); "baseline" = through A, the gateway’s own replica'] };
  },
};
