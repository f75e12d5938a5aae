import { performance } from 'node:perf_hooks';
import { startVpnClient } from '../../test/support/openvpn-client.ts';
import { until, withCleanup, type Cleanup } from '../lib/cleanup.ts';
import { startRawServer } from '../lib/raw-openvpn.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { startSluiceVpn } from '../lib/sluice-vpn.ts';
import { single } from '../lib/stats.ts';

interface Storm {
  /** Every client printed "Initialization Sequence Completed". */
  clientsUpMs: number;
  /** The server side lists them all: the API (Sluice) or `status 3` (raw). */
  listedMs: number;
  /** One bulk disconnect → every client process gone. */
  allExitedMs: number;
}

/** Starts `n` clients at once and times the client side and `listed` (polled every 10 ms). */
async function storm(cleanup: Cleanup, profile: string, n: number, listed: () => Promise<number>, kill: () => Promise<void>): Promise<Storm> {
  const started = performance.now();
  const clients = Array.from({ length: n }, () => {
    const proc = startVpnClient(profile);
    cleanup.add(`stop openvpn client ${proc.pid}`, () => proc.stop());
    const times = { up: undefined as number | undefined, exited: undefined as number | undefined };
    void proc.connected(120_000).then(() => (times.up = performance.now()), () => undefined);
    void proc.exited.then(() => (times.exited = performance.now()));
    return times;
  });
  let listedAt: number | undefined;
  await until(`${n} listed`, async () => {
    if (listedAt === undefined && (await listed()) >= n) listedAt = performance.now();
    if (clients.some((c) => c.exited !== undefined)) throw new Error('an openvpn client exited during the storm');
    return listedAt !== undefined && clients.every((c) => c.up !== undefined) ? true : undefined;
  }, 120_000, 10);
  const clientsUpAt = Math.max(...clients.map((c) => c.up ?? Number.NaN));
  const killAt = performance.now();
  await kill();
  await until('every storm client exited', () => (clients.every((c) => c.exited !== undefined) ? true : undefined), 60_000, 5);
  return { clientsUpMs: clientsUpAt - started, listedMs: (listedAt ?? Number.NaN) - started, allExitedMs: Math.max(...clients.map((c) => c.exited ?? Number.NaN)) - killAt };
}

/**
 * N clients started at once. Sluice: until the API lists all N as connected; raw: until
 * `status 3` does. Each is also taken relative to the moment the last client finished its own
 * handshake, which removes the run-to-run handshake noise: "extra lag" = Sluice's lag − raw's.
 * Then one bulk disconnect (API) / N client-kills (raw): until every client process exited.
 */
export const stormBench: Benchmark = {
  name: 'storm',
  describe: 'N clients at once: API lists all vs status 3 lists all; bulk disconnect → all exited (real OpenVPN)',
  defaultSizes: [100],
  needs: ['openvpn'],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    for (const n of sizes) {
      await withCleanup(async (cleanup) => {
        const sluice = await startSluiceVpn(cleanup, 'storm');
        const s = sluice.server;
        const raw = await startRawServer(cleanup, { clientIpPool: '10.71.0.0/16', idleTimeoutSeconds: Number(s.client_idle_timeout), splitTunnel: Boolean(s.enable_split_tunneling), dnsServers: [] });
        const m = raw.management;
        const base = await storm(
          cleanup,
          raw.profile,
          n,
          async () => (await m.statusCids()).length,
          async () => {
            await Promise.all((await m.statusCids()).map((cid) => m.killClient(cid)));
          },
        );
        const mine = await storm(
          cleanup,
          sluice.profile,
          n,
          async () => Number((await sluice.api.ok('GET', `/v1/vpn_servers/${sluice.serverId}/clients?limit=1&status=connected`)).total_count),
          async () => {
            await sluice.api.ok('POST', `/v1/vpn_servers/${sluice.serverId}/clients/disconnect`, { common_name: 'storm' });
          },
        );
        const kase = `n=${n}`;
        rows.push(row({ case: kase, metric: 'start → all listed (API vs status 3)', unit: 'ms', better: 'lower', sluice: single(mine.listedMs), baseline: single(base.listedMs), note: `clients all up after ${Math.round(mine.clientsUpMs)} ms (sluice run) vs ${Math.round(base.clientsUpMs)} ms (raw run)` }));
        const lagMine = mine.listedMs - mine.clientsUpMs;
        const lagBase = base.listedMs - base.clientsUpMs;
        const lag = row({ case: kase, metric: 'listed after last client up', unit: 'ms', better: 'lower', sluice: single(lagMine), baseline: single(lagBase), goal: 'extra lag ≤ 200 ms' });
        lag.met = lagMine - lagBase <= 200;
        lag.note = `extra lag ${Math.round(lagMine - lagBase)} ms`;
        const exit = row({ case: kase, metric: 'bulk disconnect → all exited', unit: 'ms', better: 'lower', sluice: single(mine.allExitedMs), baseline: single(base.allExitedMs) });
        rows.push(lag, exit);
        ctx.log(`storm n=${n}: listed ${Math.round(mine.listedMs)} vs ${Math.round(base.listedMs)} ms; extra lag ${Math.round(lagMine - lagBase)} ms; all exited ${Math.round(mine.allExitedMs)} vs ${Math.round(base.allExitedMs)} ms`);
      });
    }
    return { rows, notes: ['raw first, then Sluice, on separate servers with the same rendered config; lag is measured from the last client\'s "Initialization Sequence Completed"'] };
  },
};
