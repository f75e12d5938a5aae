import { performance } from 'node:perf_hooks';
import { TestApi } from '../../test/support/api-client.ts';
import { alive, openvpnPids } from '../../test/support/sluice-process.ts';
import { BENCH_ADMIN_KEY, createServer } from '../lib/api.ts';
import { sleep, until, withCleanup, type Cleanup } from '../lib/cleanup.ts';
import { startRawServer } from '../lib/raw-openvpn.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { startServe } from '../lib/sluice-serve.ts';
import { round, summarize } from '../lib/stats.ts';
import { startClients, type TimedClient } from '../lib/vpn-clients.ts';

/** OpenVPN's sample keepalive, which Sluice rendered before: the baseline. */
const SAMPLE = { interval: 10, timeout: 60 };
const IDLE_WINDOW_MS = 60_000;
const like = { idleTimeoutSeconds: 0, splitTunnel: true, dnsServers: [] };

/** Link bytes (both ways) each idle client costs per minute, from the server's `status 3`. */
async function idleTraffic(cleanup: Cleanup, n: number): Promise<{ sluice: number[]; sample: number[] }> {
  const ours = await startRawServer(cleanup, { clientIpPool: '10.77.0.0/16', ...like });
  const theirs = await startRawServer(cleanup, { clientIpPool: '10.78.0.0/16', ...like }, { keepalive: SAMPLE });
  await Promise.all([startClients(cleanup, ours.profile, n), startClients(cleanup, theirs.profile, n)]);
  await until('both servers list every client', async () => ((await ours.management.statusCids()).length === n && (await theirs.management.statusCids()).length === n ? true : undefined), 30_000, 50);
  await sleep(3000); // past the handshake's and push's own packets
  const before = await Promise.all([ours.management.statusBytes(), theirs.management.statusBytes()]);
  const startedAt = performance.now();
  await sleep(IDLE_WINDOW_MS);
  const after = await Promise.all([ours.management.statusBytes(), theirs.management.statusBytes()]);
  const minutes = (performance.now() - startedAt) / 60_000;
  const perClient = (i: 0 | 1): number[] =>
    [...(after[i]?.entries() ?? [])].map(([cid, end]) => {
      const start = before[i]?.get(cid) ?? end;
      return (end.received - start.received + end.sent - start.sent) / minutes;
    });
  return { sluice: perClient(0), sample: perClient(1) };
}

/** A real `sluice serve` with one server and n retrying clients; `args` may override the keepalive. */
async function sluiceWithClients(cleanup: Cleanup, n: number, pool: string, openvpnArgs: string): Promise<{ serverId: string; dataDir: string; clients: TimedClient[] }> {
  const serve = await startServe(cleanup, { SLUICE_OPENVPN_ARGS: openvpnArgs });
  const api = await new TestApi(serve.url, BENCH_ADMIN_KEY).login();
  const server = await createServer(api, { client_ip_pool: pool, client_authentication: [{ method: 'certificate' }] });
  const profile = (await api.call('POST', `/v1/vpn_servers/${String(server.id)}/client_profile`, { common_name: 'bench' })).text;
  const clients = await startClients(cleanup, profile, n, 60_000, { persistent: true });
  return { serverId: String(server.id), dataDir: serve.dataDir, clients };
}

const completions = (c: TimedClient): number => c.process.output().split('Initialization Sequence Completed').length - 1;

/**
 * `kill -9` of openvpn under n connected clients, Sluice's keepalive and the sample's side by side
 * (both restarted by Sluice); per client, the time until it is connected again by itself.
 */
async function reconnectAfterCrash(cleanup: Cleanup, n: number): Promise<{ sluice: number[]; sample: number[] }> {
  const noexec = '--ifconfig-noexec --route-noexec';
  const sides = await Promise.all([sluiceWithClients(cleanup, n, '10.79.0.0/16', noexec), sluiceWithClients(cleanup, n, '10.80.0.0/16', `${noexec} --keepalive ${SAMPLE.interval} ${SAMPLE.timeout}`)]);
  await sleep(2000);
  const killedAt = performance.now();
  for (const side of sides) {
    for (const pid of openvpnPids(side.dataDir)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  const back = sides.map((side) => side.clients.map(() => Number.NaN));
  await until('every client reconnected', () => {
    sides.forEach((side, s) =>
      side.clients.forEach((c, i) => {
        if (Number.isNaN(back[s]?.[i]) && completions(c) >= 2) (back[s] as number[])[i] = performance.now() - killedAt;
      }),
    );
    return back.every((list) => list.every((ms) => !Number.isNaN(ms))) ? true : undefined;
  }, 150_000, 20);
  return { sluice: back[0] ?? [], sample: back[1] ?? [] };
}

/**
 * What the server's keepalive costs and buys: idle traffic per client, and how long clients stay
 * down after OpenVPN crashes (Sluice restarts it in ≈ 2 s; the client must notice by itself).
 * Baseline: OpenVPN's sample `keepalive 10 60`, in the same run.
 */
export const keepalive: Benchmark = {
  name: 'keepalive',
  describe: 'keepalive 4 12 vs OpenVPN’s sample 10 60: idle bytes per client, reconnect after kill -9 of openvpn (real OpenVPN)',
  defaultSizes: [4],
  needs: ['openvpn'],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const n of sizes) {
      await withCleanup(async (cleanup) => {
        const idle = await idleTraffic(cleanup, n);
        const traffic = row({ case: `n=${n}, ${IDLE_WINDOW_MS / 1000} s idle`, metric: 'link bytes per client per minute (both ways)', unit: 'B/min', better: 'lower', sluice: summarize(idle.sluice), baseline: summarize(idle.sample) });
        rows.push(traffic);
        ctx.log(`idle traffic: ${round(traffic.sluice.median, 0)} vs ${round(traffic.baseline.median, 0)} B/min per client`);
      });
      await withCleanup(async (cleanup) => {
        const back = await reconnectAfterCrash(cleanup, n);
        const r = row({ case: `n=${n}`, metric: 'kill -9 of openvpn → client connected again', unit: 'ms', better: 'lower', sluice: summarize(back.sluice), baseline: summarize(back.sample), goal: 'every client ≤ 20 s' });
        r.met = r.sluice.max <= 20_000;
        rows.push(r);
        ctx.log(`reconnect: ${round(r.sluice.median, 0)} vs ${round(r.baseline.median, 0)} ms`);
      });
    }
    notes.push('idle bytes are OpenVPN link bytes (UDP payload); on the wire add 28 B of IPv4 + UDP header per packet');
    return { rows, notes };
  },
};
