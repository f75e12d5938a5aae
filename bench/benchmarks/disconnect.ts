import { performance } from 'node:perf_hooks';
import { sleep, until, withCleanup } from '../lib/cleanup.ts';
import { startRawServer } from '../lib/raw-openvpn.ts';
import { row, type Benchmark, type Row } from '../lib/result.ts';
import { startSluiceVpn, type SluiceVpn } from '../lib/sluice-vpn.ts';
import { summarize } from '../lib/stats.ts';
import { startClients } from '../lib/vpn-clients.ts';
import { KeepAliveCaller } from '../lib/keepalive-caller.ts';
import type { RawServer } from '../lib/raw-openvpn.ts';
import type { Cleanup } from '../lib/cleanup.ts';
import type { Json } from '../../test/support/api-client.ts';

export interface Samples {
  exitMs: number[];
  /** Sluice: the API shows the record disconnected. Raw: `>CLIENT:DISCONNECT` read. */
  recordedMs: number[];
  /** Sluice only: API visible − `disconnected_at` (when the agent read OpenVPN's DISCONNECT). */
  lagMs: number[];
}

const emptySamples = (): Samples => ({ exitMs: [], recordedMs: [], lagMs: [] });
const fmt = (ms: readonly number[]): string => ms.map((m) => m.toFixed(1)).join(', ');

/** N clients, each disconnected through the API at once; per client: exit, and API `disconnected`. */
export async function sluiceRound(cleanup: Cleanup, sluice: SluiceVpn, n: number, out: Samples): Promise<void> {
  const clients = await startClients(cleanup, sluice.profile, n);
  const byPort = new Map(clients.map((c) => [c.port, c]));
  const rows = await until(`${n} connected in the API`, async () => {
    const list = await sluice.clients('&status=connected');
    const ours = list.filter((r: Json) => byPort.has(Number(r.remote_port)));
    return ours.length === n ? ours : undefined;
  }, 30_000, 20);
  const pending = new Set<string>(rows.map((r: Json) => String(r.id)));
  const seenAt = new Map<string, number>();
  const caller = new KeepAliveCaller(sluice.api, n);
  let started = 0;
  try {
    await caller.open(n);
    started = performance.now();
    const statuses = await Promise.all(rows.map((r: Json) => caller.post(`/v1/vpn_servers/${sluice.serverId}/clients/${String(r.id)}/disconnect`)));
    if (statuses.some((s) => s !== 202)) throw new Error(`disconnect answered ${statuses.join(', ')}, expected 202 each`);
  } finally {
    caller.close();
  }
  // Exits first, event-driven: polling the API meanwhile would load the server under test.
  // OpenVPN's DISCONNECT comes seconds later, so nothing is missed by polling after.
  await until('every client exited', () => (clients.every((c) => c.exitedAt !== undefined) ? true : undefined), 30_000, 1);
  for (const c of clients) out.exitMs.push((c.exitedAt ?? Number.NaN) - started);
  // Poll the API the way a console would, but often: 10 ms resolution on "visible".
  await until('every record disconnected in the API', async () => {
    const connected = new Set((await sluice.clients('&status=connected')).map((r: Json) => String(r.id)));
    for (const id of [...pending]) {
      if (connected.has(id)) continue;
      pending.delete(id);
      out.recordedMs.push(performance.now() - started);
      seenAt.set(id, Date.now());
    }
    return pending.size === 0 ? true : undefined;
  }, 60_000, 10);
  // OpenVPN's DISCONNECT lands 4–6 s after a kill depending on its timer wheel, so comparing two
  // runs is noisy; the record's own disconnected_at (ms, when the agent read the DISCONNECT)
  // gives Sluice's part in the same run.
  for (const [id, at] of seenAt) {
    const record = await sluice.api.ok('GET', `/v1/vpn_servers/${sluice.serverId}/clients/${id}`);
    out.lagMs.push(at - Date.parse(String(record.disconnected_at)));
  }
}

/** The same with a raw management client: `client-kill CID HALT` for all at once. */
async function rawRound(cleanup: Cleanup, raw: RawServer, n: number, out: Samples): Promise<void> {
  const m = raw.management;
  const clients = await startClients(cleanup, raw.profile, n);
  const cids = await until(`${n} ESTABLISHED on the raw server`, () => {
    const found = clients.map((c) => [...m.established].find(([cid, e]) => e.port === c.port && !m.disconnected.has(cid))?.[0]);
    return found.every((cid) => cid !== undefined) ? (found as number[]) : undefined;
  }, 30_000);
  const started = performance.now();
  await Promise.all(cids.map((cid) => m.killClient(cid)));
  await until('every DISCONNECT', () => (cids.every((cid) => m.disconnected.has(cid)) ? true : undefined), 60_000);
  for (const cid of cids) out.recordedMs.push((m.disconnected.get(cid) ?? Number.NaN) - started);
  await until('every client exited', () => (clients.every((c) => c.exitedAt !== undefined) ? true : undefined), 30_000);
  for (const c of clients) out.exitMs.push((c.exitedAt ?? Number.NaN) - started);
}

/**
 * Disconnect through the API vs `client-kill CID HALT` on a raw management socket, same OpenVPN
 * config, real clients. OpenVPN itself reports the DISCONNECT ≈ 5 s after a bare kill (hard-coded);
 * Sluice follows the HALT with `kill IP:port` after its grace (--kill-grace), so "API shows
 * disconnected" is judged against 1.5 s and shown next to that raw DISCONNECT.
 */
export const disconnect: Benchmark = {
  name: 'disconnect',
  describe: 'API disconnect → client exit and → API disconnected, vs raw client-kill (real OpenVPN)',
  defaultSizes: [1, 10, 40],
  needs: ['openvpn'],
  async run(ctx, sizes) {
    const rows: Row[] = [];
    await withCleanup(async (cleanup) => {
      const sluice = await startSluiceVpn(cleanup, 'bench');
      const s = sluice.server;
      const raw = await startRawServer(cleanup, { clientIpPool: '10.71.0.0/16', idleTimeoutSeconds: Number(s.client_idle_timeout), splitTunnel: Boolean(s.enable_split_tunneling), dnsServers: [] });
      // The first disconnect after start runs code no call has compiled yet (3–4 ms more from the
      // request to the kill, traced); played once on both sides and shown in a note, not counted.
      const coldSluice = emptySamples();
      const coldRaw = emptySamples();
      await sluiceRound(cleanup, sluice, 1, coldSluice);
      await rawRound(cleanup, raw, 1, coldRaw);
      for (const n of sizes) {
        // One round of many clients swings 1.1–2× against the next on 2 shared cores: repeat them too.
        const rounds = ctx.rounds ?? (n === 1 ? 5 : 3);
        const mine = emptySamples();
        const theirs = emptySamples();
        for (let round = 0; round < rounds; round++) {
          // Alternate who goes first so drift on a shared machine does not favour one side.
          const order = round % 2 === 0 ? [() => sluiceRound(cleanup, sluice, n, mine), () => rawRound(cleanup, raw, n, theirs)] : [() => rawRound(cleanup, raw, n, theirs), () => sluiceRound(cleanup, sluice, n, mine)];
          for (const step of order) {
            await step();
            await sleep(200);
          }
        }
        const exit = row({ case: `n=${n}${rounds > 1 ? ` ×${rounds}` : ''}`, metric: 'to client exit', unit: 'ms', better: 'lower', sluice: summarize(mine.exitMs), baseline: summarize(theirs.exitMs), goal: 'ratio ≤ 1.3' });
        exit.met = exit.ratio <= 1.3;
        // The baseline is OpenVPN's own DISCONNECT after a bare client-kill (its fixed 5 s exit
        // interval); Sluice ends the instance with `kill IP:port` after its grace.
        const visible = row({ case: exit.case, metric: 'request → disconnected visible (API vs raw DISCONNECT)', unit: 'ms', better: 'lower', sluice: summarize(mine.recordedMs), baseline: summarize(theirs.recordedMs), goal: '≤ 1 500 ms' });
        visible.met = visible.sluice.median <= 1500;
        const lag = summarize(mine.lagMs);
        visible.note = `the API showed it ${lag.median.toFixed(0)} ms (p95 ${lag.p95.toFixed(0)} ms) after the agent read OpenVPN's DISCONNECT (10 ms polling); the rest is the kill grace`;
        if (n === Math.min(...sizes)) exit.note = `the first disconnect after start, not counted: ${fmt(coldSluice.exitMs)} ms vs raw ${fmt(coldRaw.exitMs)} ms`;
        rows.push(exit, visible);
        ctx.log(`disconnect n=${n}: exit ${exit.sluice.median.toFixed(1)} vs ${exit.baseline.median.toFixed(1)} ms; visible ${visible.sluice.median.toFixed(0)} vs DISCONNECT ${visible.baseline.median.toFixed(0)} ms`);
      }
    });
    return { rows, notes: ['all N disconnects are issued at once (N API calls / N client-kill commands); API polled every 10 ms; Sluice at its default kill grace (1200 ms); one unmeasured round of 1 on each side first'] };
  },
};
